-- Validation cannot be undone, and need not be: nothing to do.
SELECT 1;
