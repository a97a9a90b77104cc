"""etsysync: list a store's products on Etsy and keep them in step."""

__version__ = "0.1.0"
