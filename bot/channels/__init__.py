"""Customer channels of the hub: the website widget's assets, Telegram, Zalo and Messenger.
A channel parses and delivers; it hands messages to intake and reads no tables."""
