"""The bundled demo: a sample catalog and `etsysync demo`."""
