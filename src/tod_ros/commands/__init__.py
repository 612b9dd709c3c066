"""Thin adapters from ``tod <verb>`` arguments onto library functions (see tod_ros.cli)."""
