"""Random but musical Standard MIDI Files for the audio-type data set: a chord progression
in a random key and tempo, a melody over it, a bass line, sometimes drums, each part on a
random General MIDI instrument. Used by make_audio_type_data.py; fluidsynth renders them."""
import struct

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
PROGRESSIONS = ((0, 4, 5, 3), (0, 3, 4, 4), (0, 5, 3, 4), (5, 3, 0, 4), (0, 0, 3, 4))
# General MIDI programs by role, so every part sounds like something.
MELODY = (0, 1, 4, 6, 11, 13, 24, 25, 40, 41, 56, 60, 65, 68, 71, 73, 80, 81)
HARMONY = (0, 2, 4, 16, 19, 24, 26, 48, 49, 52, 88, 89, 91)
BASS = (32, 33, 34, 35, 38, 42, 43)
TPQ = 480  # ticks per quarter note


def varlen(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def track_bytes(events):
    """events: (tick, order, bytes); the order puts note-offs before note-ons at one tick."""
    data, now = bytearray(), 0
    for tick, _, ev in sorted(events, key=lambda e: (e[0], e[1])):
        data += varlen(tick - now) + ev
        now = tick
    data += varlen(0) + b"\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(data)) + bytes(data)


def note(events, ch, pitch, start, length, vel):
    pitch = max(0, min(127, pitch))
    events.append((start, 1, bytes([0x90 | ch, pitch, vel])))
    events.append((start + length, 0, bytes([0x80 | ch, pitch, 0])))


def degree_pitch(root, scale, degree, octave):
    return root + 12 * (octave + degree // 7) + scale[degree % 7]


def song_midi(rng, seconds):
    bpm = rng.randint(70, 160)
    root = rng.randint(0, 11)
    scale = rng.choice((MAJOR, MINOR))
    prog = rng.choice(PROGRESSIONS)
    bar = 4 * TPQ
    bars = int(seconds * bpm / 240.0) + 1
    ev = [(0, 0, b"\xff\x51\x03" + struct.pack(">I", 60000000 // bpm)[1:])]
    for ch, pool in ((0, MELODY), (1, HARMONY), (2, BASS)):
        ev.append((0, 0, bytes([0xC0 | ch, rng.choice(pool)])))
    drums = rng.random() < 0.6
    arpeggio = rng.random() < 0.4
    step = rng.choice((TPQ // 2, TPQ // 2, TPQ, TPQ // 4))
    melody_deg = 7
    for b in range(bars):
        t0, chord = b * bar, prog[b % len(prog)]
        tones = [degree_pitch(root, scale, chord + k, 4) for k in (0, 2, 4)]
        if arpeggio:
            for i in range(8):
                note(ev, 1, tones[i % 3], t0 + i * TPQ // 2, TPQ // 2, 70)
        else:
            for p in tones:
                note(ev, 1, p, t0, bar - 20, 60)
        for beat in range(4):
            deg = chord if beat % 2 == 0 else chord + 4
            note(ev, 2, degree_pitch(root, scale, deg, 2), t0 + beat * TPQ, TPQ - 30, 90)
        t = t0
        while t < t0 + bar:
            melody_deg = max(2, min(16, melody_deg + rng.choice((-2, -1, -1, 0, 1, 1, 2, 3))))
            length = step * rng.choice((1, 1, 1, 2))
            if rng.random() < 0.85:
                note(ev, 0, degree_pitch(root, scale, melody_deg, 4), t, length - 10,
                     rng.randint(80, 115))
            t += length
        if drums:
            for i in range(8):
                tt = t0 + i * TPQ // 2
                note(ev, 9, 42, tt, 60, 70)
                if i in (0, 4) or (i == 5 and rng.random() < 0.3):
                    note(ev, 9, 36, tt, 60, 110)
                if i in (2, 6):
                    note(ev, 9, 38, tt, 60, 100)
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TPQ)
    return header + track_bytes(ev)
