"""What customers read and write, in Vietnamese and English: the hub's own messages
(`texts`), the conversation's language and when it changes (`language`), and the checks
and clean-up every inbound message gets before it is stored (`inbound`)."""
