"""The district's attendance reports: by school, grade and student group, on any date, and their monthly trend."""
