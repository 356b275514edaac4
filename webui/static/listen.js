/* linerec: live listen on the live page.
 *
 * The Listen button of a line card fetches /lines/<n>/listen, a stream of
 * raw 16-bit little-endian PCM at 8 kHz, and plays it with the Web Audio
 * API: each chunk becomes an AudioBuffer at 8 kHz, scheduled right after
 * the one before. About 200 ms are gathered before the first one plays,
 * which rides out the network's jitter; after a gap the buffer fills again,
 * and if more than 600 ms pile up (a stalled tab) chunks are dropped to stay
 * near live. One line at a time; Stop (or another line's Listen) ends it.
 */
"use strict";

(function () {
  const RATE = 8000;
  const START_DELAY_S = 0.2;
  const MAX_QUEUED_S = 0.6;
  const linerec = (window.linerec = window.linerec || {});
  let current = null; // {button, controller, context}

  function label(button, state) {
    const text = { listen: button.dataset.labelListen, stop: button.dataset.labelStop }[state];
    button.textContent = (state === "stop" ? "■ " : "▶ ") + text;
    button.classList.toggle("listening", state === "stop");
    button.setAttribute("aria-pressed", state === "stop" ? "true" : "false");
  }

  function say(button, text) {
    const status = button.parentElement.querySelector(".listen-state");
    if (status) status.textContent = text || "";
  }

  function stop() {
    if (!current) return;
    const { button, controller, context } = current;
    current = null;
    controller.abort();
    context.close().catch(() => {});
    label(button, "listen");
    linerec.listening = null;
  }

  function toSamples(bytes) {
    const count = bytes.length >> 1;
    const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
    const samples = new Float32Array(count);
    for (let i = 0; i < count; i++) samples[i] = view.getInt16(2 * i, true) / 32768;
    return samples;
  }

  async function play(button) {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext || !window.fetch || !window.ReadableStream) {
      say(button, button.dataset.labelFailed);
      return;
    }
    const context = new AudioContext();
    const controller = new AbortController();
    const mine = { button, controller, context };
    current = mine;
    label(button, "stop");
    say(button, "");
    const state = (linerec.listening = { line: button.dataset.listen, chunks: 0, dropped: 0 });
    try {
      const response = await fetch(button.dataset.listen, {
        credentials: "same-origin",
        cache: "no-store",
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw new Error(String(response.status));
      const reader = response.body.getReader();
      let carry = null; // an odd last byte, waiting for its other half
      let playAt = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        let bytes = value;
        if (carry) {
          bytes = new Uint8Array(carry.length + value.length);
          bytes.set(carry);
          bytes.set(value, carry.length);
          carry = null;
        }
        if (bytes.length % 2) {
          carry = bytes.slice(bytes.length - 1);
          bytes = bytes.subarray(0, bytes.length - 1);
        }
        if (!bytes.length) continue;
        const samples = toSamples(bytes);
        const now = context.currentTime;
        if (playAt < now) {
          playAt = now + START_DELAY_S; // the start, or after a gap: fill the buffer again
        } else if (playAt - now > MAX_QUEUED_S) {
          state.dropped += 1; // fallen behind: skip this chunk to get back to live
          continue;
        }
        const buffer = context.createBuffer(1, samples.length, RATE);
        buffer.getChannelData(0).set(samples);
        const source = context.createBufferSource();
        source.buffer = buffer;
        source.connect(context.destination);
        source.start(playAt);
        playAt += buffer.duration;
        state.chunks += 1;
      }
    } catch (error) {
      if (current === mine) say(button, button.dataset.labelFailed);
    } finally {
      if (current === mine) stop();
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-listen]");
    if (!button) return;
    const again = current && current.button === button;
    stop();
    if (!again) play(button);
  });

  window.addEventListener("pagehide", stop);
})();
