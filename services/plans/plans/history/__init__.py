"""What happened to a student, case or no case: every threshold change and every status of outreach to the family."""
