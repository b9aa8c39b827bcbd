"""Background running of services: inline by default, Celery workers on Redis when a broker is configured."""
