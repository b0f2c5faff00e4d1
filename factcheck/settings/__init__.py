"""Settings package: `base` holds everything, `local`/`test`/`production` adjust it.

Every value that differs between machines is read from the environment (see `.env.example`).
"""
