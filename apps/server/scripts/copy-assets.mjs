// Nothing to copy yet besides compiled code; kept so the build has one place for non-TS assets.
