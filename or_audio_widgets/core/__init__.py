"""The pure core: SSE and base64 decoders, events, WAV and assembly, formats and conversion, audio-in
preparation, the reply and its static HTML. Imports neither HTTP nor Jupyter code."""
