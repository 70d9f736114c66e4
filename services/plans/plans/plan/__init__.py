"""A case's plan: barriers, a SMART goal, interventions, meetings, notes and the family's acknowledgements."""
