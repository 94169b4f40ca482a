"""Customer channels of the hub: the website widget's assets, Telegram, Zalo and Messenger,
and text messages to a customer's registered phone (`sms`, one-time codes). A channel
parses and delivers; it hands messages to intake and reads no tables."""
