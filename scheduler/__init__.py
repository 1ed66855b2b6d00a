"""Processes, runs and (to come) schedules and workers.

``processes.py`` reads ``processes.yaml``; ``runner.py`` runs a process's steps as
Robot Framework runs on the work-item queue. The scheduler knows no pages.
"""
