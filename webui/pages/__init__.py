"""The pages and API calls of the web UI, one module per area; routes are in ``webui.app``."""
