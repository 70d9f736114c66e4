"""A case's whole record for a SARB referral: one JSON document and one PDF, everything in order."""
