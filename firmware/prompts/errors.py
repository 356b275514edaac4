"""The prompt library's one error, with its message kept as a template and its values, so
that the web can say it in the reader's language (``webui.pages.prompts``) while the log
and the command line read the English."""

from __future__ import annotations

from firmware.errors import LinerecError

MAX_SHOWN_NAME = 80  # characters of a file's name in a message

# Every message a PromptError carries, English, with {placeholders}.
EMPTY_FILE = "{file}: the file is empty."
NO_AUDIO = "{file}: it holds no audio."
UNREADABLE = ("{file}: not an audio file this box can read (WAV, FLAC, Ogg Vorbis or Opus, "
              "MP3).")
DAMAGED = "{file}: the audio cannot be decoded ({reason})."
TOO_LONG = "{file}: too long: {seconds} s, at most {limit} s."
TOO_BIG = "{file}: too big: at most {limit} MB."
NO_SOUND = "{file}: there is no sound in it, only silence."
ODD_RATE = "{file}: a sample rate of {rate} Hz is not supported (4000 to 384000 Hz)."
TOO_MANY_CHANNELS = "{file}: {channels} channels; at most {limit} are supported."
EMPTY_TEXT = "The text to speak is empty."
TEXT_TOO_LONG = "The text to speak is too long: {length} characters, at most {limit}."
UNKNOWN_LANGUAGE = "{language} is not a language the box speaks (zh or en)."
NO_ESPEAK = ("espeak-ng is not installed, so the box cannot speak texts: install it "
             "(apt-get install espeak-ng).")
ESPEAK_FAILED = "espeak-ng could not speak the text: {reason}"
NO_VOICE = ("espeak-ng has no {voice} voice: install espeak-ng-data (apt-get install "
            "espeak-ng-data).")
NOT_FOUND = "There is no prompt {id}."
NO_KEY = "There is no built-in prompt {key}."
BAD_NAME = "A prompt needs a name of 1 to {limit} characters."
NAME_TAKEN = "There is already a prompt named {name}."
IN_USE = "{name} cannot be deleted: {use} uses it."
BUILT_IN = "{name} is one of the box's own prompts: replace it, it cannot be deleted."
NOT_STORED = "The sound of {name} cannot be read: {reason}"
NO_DEFAULTS = "Some of the box's own prompts could not be made: {reason}"

MESSAGES = (
    EMPTY_FILE, NO_AUDIO, UNREADABLE, DAMAGED, TOO_LONG, TOO_BIG, NO_SOUND, ODD_RATE,
    TOO_MANY_CHANNELS,
    EMPTY_TEXT, TEXT_TOO_LONG, UNKNOWN_LANGUAGE, NO_ESPEAK, ESPEAK_FAILED, NO_VOICE,
    NOT_FOUND, NO_KEY, BAD_NAME, NAME_TAKEN, IN_USE, BUILT_IN, NOT_STORED, NO_DEFAULTS,
)


def shown_name(filename: str) -> str:
    """A file's name as a message shows it: its last part, without control characters,
    at most ``MAX_SHOWN_NAME`` characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch if ch.isprintable() else "?" for ch in name).strip()
    if len(name) > MAX_SHOWN_NAME:
        name = name[: MAX_SHOWN_NAME - 1] + "…"
    return name or "(no name)"


class PromptError(LinerecError):
    """A prompt cannot be made, found, read or deleted; one line saying why.

    ``template`` is one of ``MESSAGES`` and ``values`` fill it: the web translates the
    template and fills it itself.
    """

    def __init__(self, template: str, **values: object) -> None:
        self.template = template
        self.values = {name: str(value) for name, value in values.items()}
        super().__init__(template.format(**self.values))


class PromptNotFoundError(PromptError, KeyError):
    """No prompt has that id or key."""

    def __str__(self) -> str:  # KeyError's own quotes the message
        return self.args[0]
