"""A small demo community of a fictitious product-analytics company, for `make run` and trying the API."""
