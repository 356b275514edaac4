"""Call-like conversations for measuring compression: two talkers, pauses, line noise, G.711.

What a line records is not a stream of speech: two people take turns, each
at their own level (the office's handset is louder than the caller far down
the line), with gaps between turns, a pause now and then while someone
looks something up, and the line's hiss under it all; then the box stores
it as A-law. A conversation here is built so:

- two talkers, each an espeak-ng voice (Mandarin or English, a few voices,
  pitches and speeds), speaking sentences of office phone talk; a call is
  all Chinese, all English, or the office in Chinese and the caller in
  English;
- the office's talker at -20 to -14 dBm0, the caller at -28 to -20 dBm0;
- 0.3 to 1.5 s between turns, 0.2 to 0.6 s between the sentences of a
  turn, and in about one turn in eight a pause of 4 to 15 s (on hold, a
  look at the screen);
- line noise (a slightly low-passed hiss) at -66 to -56 dBm0 under all of
  it, then 16-bit and A-law, as the recorder stores it.

Each conversation comes from its seed and length alone, so a spec always
gives the same audio. ``speech_spans`` says where each sentence is, for
measures that look at the speech only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.corpora.amd import VOICES, _at_level, _line_noise
from bench.corpora.speech import speech_tools_missing, utterance
from dsp_ext import g711

RATE = 8000

SENTENCES = {
    "en": [
        "Good morning, Acme Trading, this is the accounts office.",
        "Hello, I am calling about an invoice from last month.",
        "Of course. Could you give me the invoice number, please?",
        "It is four seven one nine, dated the twelfth of March.",
        "Let me have a look at that for you.",
        "I see it here. The amount is two thousand three hundred.",
        "We paid it on the twentieth, but it still shows as open.",
        "I am sorry about that. The payment may not have reached us yet.",
        "Could you send me a copy of the bank transfer?",
        "Yes, I can email it to you this afternoon.",
        "Which address should I send it to?",
        "Please send it to accounts at acme trading dot com.",
        "Thank you. Is there anything else I can help you with?",
        "Yes, we would also like to order another two hundred units.",
        "Certainly. The price is the same as last time.",
        "When can you deliver them?",
        "We can ship them on Monday; they should arrive by Wednesday.",
        "That works for us. Please go ahead.",
        "I will send you the order confirmation today.",
        "Could you repeat the delivery address, please?",
        "Building three, forty two Harbour Road, second floor.",
        "Thank you for calling, and have a good day.",
        "Goodbye.",
        "Hold on a moment, please, I will check with my colleague.",
        "Sorry to keep you waiting.",
        "The manager is in a meeting until three o'clock.",
        "Can I ask her to call you back?",
        "My number is one three eight, zero zero one three, eight zero zero zero.",
        "That is fine. I will be in the office all afternoon.",
        "I understand. We will sort this out as soon as we can.",
    ],
    "zh": [
        "您好，这里是华信贸易公司财务部。",
        "你好，我想问一下上个月的发票。",
        "好的，请问发票号码是多少？",
        "发票号是四七一九，日期是三月十二号。",
        "请稍等，我帮您查一下。",
        "我看到了，金额是两千三百元。",
        "我们二十号已经付款了，但是系统还显示没有付。",
        "不好意思，款项可能还没有到账。",
        "您能把银行转账的凭证发给我吗？",
        "可以，我今天下午发邮件给你。",
        "请问发到哪个邮箱？",
        "请发到我们财务部的邮箱。",
        "谢谢。还有别的需要帮忙的吗？",
        "有的，我们还想再订两百件。",
        "没问题，价格和上次一样。",
        "什么时候可以送货？",
        "我们星期一发货，星期三之前应该能到。",
        "可以，那就这样安排吧。",
        "我今天把订单确认发给您。",
        "请再说一下送货地址。",
        "港湾路四十二号三号楼二楼。",
        "谢谢您的来电，祝您工作顺利。",
        "再见。",
        "请稍等，我问一下我的同事。",
        "不好意思，让您久等了。",
        "经理在开会，下午三点以后才有空。",
        "要不要请她给您回电话？",
        "我的电话是一三八零零一三八零零零。",
        "好的，我下午一直在办公室。",
        "明白了，我们会尽快处理。",
    ],
}

TURN_GAP_S = (0.3, 1.5)
SENTENCE_GAP_S = (0.2, 0.6)
HOLD_S = (4.0, 15.0)
HOLD_SHARE = 1 / 8
OFFICE_DBM0 = (-20.0, -14.0)
CALLER_DBM0 = (-28.0, -20.0)
NOISE_DBM0 = (-66.0, -56.0)
LANGUAGES = (("zh", "zh"), ("en", "en"), ("zh", "en"))  # (the office, the caller)


@dataclass(frozen=True)
class CallSpec:
    seed: int
    seconds: float  # the conversation's length (2 to 10 minutes)


@dataclass(frozen=True)
class Conversation:
    spec: CallSpec
    samples: np.ndarray  # int16 at 8 kHz, as stored: through A-law and back
    alaw: np.ndarray  # the A-law codes the recorder would have written
    speech_spans: tuple[tuple[int, int], ...]  # (first, end) sample of each sentence
    languages: tuple[str, str]  # the office's and the caller's
    noise_dbm0: float

    @property
    def speech_share(self) -> float:
        spoken = sum(end - first for first, end in self.speech_spans)
        return spoken / self.samples.size


# What the bench measures: three calls, 9 minutes in all.
BENCH = (CallSpec(seed=11, seconds=150.0), CallSpec(seed=12, seconds=240.0),
         CallSpec(seed=13, seconds=150.0))


def tools_missing() -> str | None:
    return speech_tools_missing()


def _sentence(rng: np.random.Generator, language: str, voice_index: int) -> np.ndarray:
    voices = VOICES[language]
    voice, speed = voices[voice_index % len(voices)]
    text = SENTENCES[language][int(rng.integers(len(SENTENCES[language])))]
    spoken = utterance(text, voice=voice, speed=int(speed + rng.integers(-10, 11)))
    # espeak-ng leaves silence before and after: trim it, the timing is ours.
    loud = np.flatnonzero(np.abs(spoken) > 64)
    return spoken[loud[0] : loud[-1] + 1] if loud.size else spoken


def conversation(spec: CallSpec) -> Conversation:
    """The conversation of ``spec``: see the module's docstring."""
    rng = np.random.default_rng(spec.seed)
    total = round(spec.seconds * RATE)
    languages = LANGUAGES[int(rng.integers(len(LANGUAGES)))]
    voices = [int(rng.integers(8)), int(rng.integers(8))]
    if languages[0] == languages[1] and voices[0] % len(VOICES[languages[0]]) == voices[1] % len(
        VOICES[languages[1]]
    ):
        voices[1] += 1  # two people, two voices
    levels = (float(rng.uniform(*OFFICE_DBM0)), float(rng.uniform(*CALLER_DBM0)))
    signal = np.zeros(total, dtype=np.float64)
    spans = []
    at = round(float(rng.uniform(0.3, 1.0)) * RATE)
    talker = 0  # the office answers
    while True:
        for sentence_number in range(int(rng.integers(1, 4))):
            if sentence_number:
                at += round(float(rng.uniform(*SENTENCE_GAP_S)) * RATE)
            spoken = _at_level(_sentence(rng, languages[talker], voices[talker]), levels[talker])
            if at + spoken.size > total:
                break
            signal[at : at + spoken.size] += spoken
            spans.append((at, at + spoken.size))
            at += spoken.size
        else:
            gap = HOLD_S if rng.random() < HOLD_SHARE else TURN_GAP_S
            at += round(float(rng.uniform(*gap)) * RATE)
            # Mostly the other one speaks next; now and then the same goes on.
            talker = 1 - talker if rng.random() < 0.85 else talker
            continue
        break
    noise_dbm0 = float(rng.uniform(*NOISE_DBM0))
    signal += _line_noise(rng, total, noise_dbm0)
    linear = np.clip(np.round(signal), -32768, 32767).astype(np.int16)
    codes = g711.alaw_encode(linear)
    return Conversation(spec, g711.alaw_decode(codes), codes, tuple(spans), languages,
                        noise_dbm0)
