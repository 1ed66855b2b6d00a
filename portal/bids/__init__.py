"""Automation bids: teams propose processes to automate; the portal scores, values and tracks them.

``config`` reads ``bids.yaml``; ``scoring`` holds the pure formulae the README's worked
examples are tested against; ``records`` stores bids, their files, comments and state
changes; ``measured`` counts the hours a live bid's bot saved; ``workbook`` writes the
business case for the investment board.
"""
