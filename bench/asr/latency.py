#!/usr/bin/python3
"""End-to-end latency of live transcription.

Feeds a 16 kHz mono WAV to `auris transcribe - --raw --stream --json` through a pipe at
real-time pace (20 ms pieces) and timestamps every line auris prints. For each final
segment, latency = (time its line arrived) - (time the piece holding the end of its last
word was actually written to the pipe). Prints one line per segment and the mean / maximum.

usage: bench/asr/latency.py AURIS_BINARY FILE.wav [extra transcribe options...]
"""
import json
import subprocess
import sys
import threading
import time
import wave

CHUNK = 320  # samples: 20 ms at 16 kHz


def main():
    auris, path = sys.argv[1], sys.argv[2]
    extra = sys.argv[3:]
    w = wave.open(path)
    assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
    pcm = w.readframes(w.getnframes())
    proc = subprocess.Popen([auris, "transcribe", "-", "--raw", "--stream", "--json"] + extra,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    lines = []

    def reader():
        for line in proc.stdout:
            lines.append((time.monotonic(), line))

    th = threading.Thread(target=reader)
    th.start()
    written = []  # time each piece was written
    t0 = time.monotonic()
    for i in range(0, len(pcm), CHUNK * 2):
        target = t0 + i / 2 / 16000
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        proc.stdin.write(pcm[i:i + CHUNK * 2])
        written.append(time.monotonic())
    # Keep the pipe open with silence for a second, as a live microphone would.
    silence = bytes(CHUNK * 2)
    n = len(pcm) // 2
    for k in range(50):
        target = t0 + (n + k * CHUNK) / 16000
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        proc.stdin.write(silence)
    proc.stdin.close()
    th.join()
    proc.wait()
    lat = []
    partials = 0
    for t, line in lines:
        msg = json.loads(line)
        if msg["type"] == "partial":
            partials += 1
            continue
        end = msg["words"][-1]["end"] if msg.get("words") else msg["end"]
        piece = min(int(end * 16000) // CHUNK, len(written) - 1)
        latency = t - written[piece]
        lat.append(latency)
        print(f"final {msg['start']:7.2f}-{end:7.2f}  latency {latency * 1000:6.0f} ms  {msg['text']}")
    if lat:
        print(f"segments {len(lat)}  partial lines {partials}  latency mean {sum(lat) / len(lat) * 1000:.0f} ms"
              f"  max {max(lat) * 1000:.0f} ms")
    return 0 if lat else 1


if __name__ == "__main__":
    sys.exit(main())
