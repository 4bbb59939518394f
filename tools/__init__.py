"""Measurement tools over the served stack, outside the server package (nothing here is served): the speed
benchmark (`python -m tools.benchmark`), the load report (`tools.loadtest`, which also starts the production
server for the tests), the slow-client and worker-kill reports (`tools.slow_clients`, `tools.worker_kill`).
Each prints numbers and asserts nothing; the tests assert."""
