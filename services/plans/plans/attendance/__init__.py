"""What plans keeps of attendance: closed school days, enrollments and each student's days off the register."""
