"""The web service: a FastAPI app whose endpoints parse requests, call services and translate errors."""
