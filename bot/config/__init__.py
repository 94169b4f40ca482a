"""The application's configuration, the bottom layer everything may read: the settings
read from the environment (`settings`), their hand-off group (`handoff`) and the rules a
production secret must meet (`secret_rules`)."""
