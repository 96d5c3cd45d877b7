-- 0011: the transfer deadline ([acs] transfer_timeout). acsd's housekeeper looks for in_progress
-- transfers sent longer ago than the timeout; in_progress tasks are few, the tasks table is not:
-- a partial index keeps that check from reading the whole table. The deadline counts from
-- sent_at (the Download/Upload's answer comes within the same session), no new column.
CREATE INDEX tasks_in_progress ON tasks (sent_at) WHERE state = 'in_progress';
