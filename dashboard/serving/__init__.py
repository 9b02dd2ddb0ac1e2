"""Running the dashboard in production: the gunicorn configuration and its access log."""
