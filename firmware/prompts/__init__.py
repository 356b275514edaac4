"""The prompt library: what the box plays to a phone line (announcements, the survey's
questions, the voicemail greeting, the call firewall's message, IVR menus).

- ``convert.to_line_audio``: an uploaded file (WAV, FLAC, Ogg Vorbis/Opus, MP3) as the
  line's audio, 8 kHz mono int16, band-limited, at line level, silence trimmed;
- ``speech.speak``: a text spoken by espeak-ng in Chinese or English, the same way;
- ``library.PromptLibrary``: the prompts kept in the data folder (``prompts/``) with
  their facts in the database (table ``prompts``), the box's built-in ones by key.

Every problem is one ``PromptError`` whose message names the file or text and says what
is wrong (``errors``).
"""
