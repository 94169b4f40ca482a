"""Customer channels of the hub: the website widget's assets and Telegram."""
