-- Tell every server process when a key changes in a way that matters for authentication, so cached
-- key lookups are dropped at once (last_used_at bookkeeping does not notify).
CREATE FUNCTION iris_notify_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('iris_api_keys', COALESCE(NEW.id, OLD.id)::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER api_keys_notify_update AFTER UPDATE ON api_keys FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
    OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
    OR OLD.name IS DISTINCT FROM NEW.name
    OR OLD.scopes IS DISTINCT FROM NEW.scopes
    OR OLD.key_hash IS DISTINCT FROM NEW.key_hash
    OR OLD.user_id IS DISTINCT FROM NEW.user_id)
  EXECUTE FUNCTION iris_notify_api_key_change();
--> statement-breakpoint
CREATE TRIGGER api_keys_notify_delete AFTER DELETE ON api_keys FOR EACH ROW
  EXECUTE FUNCTION iris_notify_api_key_change();
