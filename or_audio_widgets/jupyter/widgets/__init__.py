"""The live widgets of one reply: the player (live audio, transcript, Stop, then the saved file) and the
recorder (microphone or file), with the one function that feeds a player from a reply's stream."""
