"""
Where history, registered names and lasting rooms are kept: neutral values,
group commit over any runner, accounts, and one subpackage per backend.
"""
