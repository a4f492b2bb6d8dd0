"""AudioChat: the conversation widget (turns from code, the Send button or hands-free), its history and
record."""
