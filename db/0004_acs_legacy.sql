-- 0004: legacy password mode: a Digest/Basic username names one device.
CREATE UNIQUE INDEX devices_legacy_username ON devices (legacy_username) WHERE legacy_username IS NOT NULL;
