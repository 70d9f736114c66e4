"""What a district learns from its cases: whether interventions were followed by better attendance."""
