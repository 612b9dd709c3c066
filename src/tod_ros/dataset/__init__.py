"""Datasets: labelImg (Pascal VOC) XML, CSV, TFRecord, label maps, synthetic cubes."""
