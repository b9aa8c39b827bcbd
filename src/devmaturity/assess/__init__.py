"""The rule engine: criteria to verdicts, items to levels, levels rolled up to subdomains and parts."""
