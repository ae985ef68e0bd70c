"""English text: every string voicecoach shows to agents and trainers.

The same names and keys as every other file of :mod:`voicecoach.locale` (a test checks).
"""

from __future__ import annotations

#: Nudges, per coaching rule ([coach.rules.*]): short imperatives read at a glance.
NUDGES = {
    "pitch_high": "Lower your tone",
    "rate_high": "Slow down",
    "loudness_high": "Speak softer",
    "interrupting": "Let them finish",
    "monologue": "Let them talk",
    "jump_in": "Take a pause",
    "monotony": "Vary your tone",
}


#: The live window and the terminal dashboard (voicecoach.sinks.view).
DISPLAY = {
    "title": "voicecoach — live",
    "pitch_title": "Pitch (semitones against the baseline; green: calm band)",
    "pitch_unit": "semitones",
    "rate_unit": "% rate",
    "rate_title": "Speaking rate (% against the baseline)",
    "loudness_title": "Loudness (dBFS): speech level and threshold",
    "lanes": "Who is speaking",
    "agent": "Agent",
    "customer": "Customer",
    "calm": "calm band",
    "threshold": "threshold",
    "baseline": "Baseline",
    "forming": "forming",
    "provisional": "provisional",
    "calibrated": "calibrated",
    "deescalating": "de-escalation: tighter thresholds",
    "capture": "Capture",
    "echo": "Echo",
    "echo_bypassed": "nothing to cancel",
    "echo_no_echo": "none (headset)",
    "echo_detecting": "detecting",
    "echo_converging": "converging",
    "echo_converged": "cancelled",
    "echo_diverged": "canceller diverged",
    "echo_off": "no canceller",
    "waiting": "waiting for audio…",
    "no_baseline": "baseline forming…",
    "int_agent": "agent→customer",
    "int_customer": "customer→agent",
    "int_tentative": "{label} ?",  # an interruption not yet confirmed
    "overlap": "overlap",
    "last_interruption": "Last interruption",
    "none": "none",
    "ago_short": "",
    "sep": ": ",
    "decimal": ".",
}


#: The terminal dashboard's own words (voicecoach.sinks.terminal).
TERMINAL = {
    "pitch": "Pitch",
    "pitch_unit": "st",
    "rate": "Rate",
    "loudness": "Loudness",
    "overlap": "Overlap",
    "axis": "30 s ago",
    "now": "now",
    "speaking": "speaking",
    "nobody": "silence",
    "both": "both",
    "nudge": "nudge",
    "threshold": "threshold",
    "interruption": "interruption",
    "sep": ": ",
    "ago": "{s:.0f} s ago",
}


#: The HTML report and its timeline (voicecoach.sinks.report).
REPORT = {
    "title": "Call review",
    "summary": "Summary against the calm baseline",
    "timeline": "Timeline",
    "timeline_help": "Click the timeline to play from that moment; the red line follows the audio.",
    "events": "Events",
    "events_help": "Click a row to play the call from that moment.",
    "definitions": "What the measures mean",
    "metric": "Measure",
    "this_call": "This call",
    "baseline": "Calm baseline",
    "note": "Comment",
    "agent": "Agent",
    "customer": "Customer",
    "conversation": "Conversation",
    "kind": "Event",
    "start": "Start",
    "end": "End",
    "details": "Details",
    "show_all": "Show speech, turns and response gaps too",
    "no_audio": "No playback audio was kept for this report (--audio none).",
    "provisional": "provisional: from the first 30 s of the agent's speech in this call",
    "calibrated": "calibrated profile",
    "speech_used": "s of calm speech",
    "in_call": "Also judged against this call's own earlier level",
    "not_judged": "Not judged, no nudge",
    "whatif": "What-if re-run with other settings",
    "was": "nudges before",
    "index": "All calls",
    "baseline_forming": "baseline forming",
    "recovered_after": "recovered after {s:.1f} s",
    "not_recovered": "not recovered",
    "gap_after": "after",
    "retracted": " (retracted: it was a backchannel)",
    "axis_pitch": "pitch vs calm (st)",
    "axis_rate": "rate vs calm (%)",
    "axis_loudness": "loudness vs calm (dB)",
    "axis_speech": "speech",
    "median_pitch": "Median pitch",
    "time_above_pitch": "Time above the pitch threshold",
    "speaking_rate": "Speaking rate",
    "time_above_plus": "time above the threshold +",
    "threshold": "threshold",
    "halved_when_agitated": "halved while the customer is agitated",
    "loudness": "Loudness",
    "talk_ratio": "Talk ratio",
    "interruptions_made": "Interruptions made",
    "interrupted_by_customer": "Interrupted by the customer",
    "median_response_gap": "Median response gap",
    "jump_ins": "jump-ins: ",
    "longest_turn": "Longest turn",
    "nudges": "Nudges",
    "held_back": "repeats held back (no further than a recent nudge): ",
    "customer_talk_ratio": "Customer talk ratio",
    "customer_agitated": "Customer agitated",
    "deescalation_mode": "de-escalation mode: ",
    "overlap": "Overlap",
    "mutual_silences": "mutual silences: ",
    "sep": ": ",
    "quote": "“{m}”",
    "semicolon": "; ",
    "overlap_mono": "not measured on a mono call (each stretch of speech goes to one party)",
    "single_party": "one party recorded: overlaps and interruptions need both",
    "kind_stereo": "stereo file",
    "kind_mono": "mono file",
    "kind_pair": "two mono files",
    "kind_session": "live session",
}


#: Event kinds in the report's events table.
EVENT_KINDS = {
    "nudge": "Nudge",
    "interruption": "Interruption",
    "overlap": "Overlap",
    "backchannel": "Backchannel",
    "turn_end_overlap": "Turn-end overlap",
    "mutual_silence": "Mutual silence",
    "response_gap": "Response gap",
    "turn": "Turn",
    "speech": "Speech",
}


#: The two parties.
PARTIES = {"agent": "agent", "customer": "customer"}


#: Plain-language definitions in the report: (term, definition).
DEFINITIONS = [
    (
        "Calm baseline",
        "How the agent sounds when calm: median pitch, speaking rate and loudness, from "
        "a calibration recording (a profile) or, without one, from the first 30 seconds "
        "of the agent's speech in the call. Everything below is compared to it.",
    ),
    (
        "Pitch (semitones)",
        "How high the voice is compared to the calm baseline, in semitones (12 semitones "
        "= one octave; +2 is clearly higher, as when stressed). Measured on the lower "
        "part of the voice's range over the last 3.5 seconds of voiced speech.",
    ),
    (
        "Calm band",
        "The green band on the pitch timeline: within ± the pitch threshold of the "
        "baseline. Time above the band is time spent noticeably higher than calm.",
    ),
    (
        "Speaking rate",
        "Syllables per second while speaking (pauses excluded), from the last 40 "
        "syllable-to-syllable intervals (about 8 seconds of speech), as a percentage "
        "above or below the calm rate.",
    ),
    ("Loudness", "Speech level in decibels compared to the calm level (+6 dB is clearly louder)."),
    ("Talk ratio", "The agent's share of the time either party was speaking."),
    ("Overlap", "Both parties speaking at once."),
    (
        "Interruption",
        "Someone starting to speak while the other held the floor, mid-turn, and talking "
        "over them for at least half a second. The table says who interrupted whom.",
    ),
    ("Backchannel", "A short 'mm-hmm' or 'yes' inside the other's turn; not an interruption."),
    (
        "Turn-end overlap",
        "Starting just as the other finishes: a quick hand-over, not an interruption.",
    ),
    (
        "Response gap",
        "The silence between the end of one party's turn and the start of the other's. "
        "Very short or negative gaps mean jumping in.",
    ),
    ("Mutual silence", "Neither party speaking for more than 3 seconds."),
    (
        "Nudge",
        "A two-word cue shown to the agent live (e.g. 'Slow down') when a measure stayed "
        "past its threshold long enough. 'Recovered after' is how long it took to come "
        "back. For 5 minutes after a nudge (by default), the same kind is shown again only for a "
        "larger change ('repeats held back' counts the others).",
    ),
    (
        "Interruptions per 10 min",
        "Interruptions made by the agent, scaled to a 10-minute call, so calls of "
        "different lengths can be compared.",
    ),
]


#: The cross-call index (voicecoach.sinks.index).
INDEX = {
    "title": "Call reviews",
    "heading": "Call reviews",
    "calls": "call(s)",
    "agents": "named agent(s)",
    "unknown_agent": "(unknown agent)",
    "intro": "Interruptions are those made by the agent; time above the pitch band is "
    "the share of measured time the agent's pitch was above the calm band; "
    "rate is the median syllables per second of speech; the response gap is "
    "the agent's median silence before answering.",
    "call": "Call",
    "duration": "Duration",
    "all": "All",
    "trend": "Trend over dates",
    "whatif": " (what-if)",
}


#: Index column headings, per metric.
INDEX_METRICS = {
    "interruptions_per_10min": "Interruptions / 10 min",
    "above_pitch_band_pct": "Time above pitch band (%)",
    "rate_syl_s": "Rate (syl/s)",
    "talk_ratio_pct": "Talk ratio (%)",
    "response_gap_s": "Response gap (s)",
    "nudges": "Nudges",
}


#: Why a prosody rule cannot judge against a baseline (voicecoach.coach.Coach.baseline_verdict).
VERDICTS = {
    "thin": "baseline too thin to judge: {measured:.1f} s of calm speech measured ({needed:g} s "
    "needed); add calm speech to the profile (voicecoach calibrate --add)",
    "variable": "calm speech too variable to judge: it reaches +{calm:.1f} {unit} ({source}, "
    "p{q:.0f}), so the threshold would be {need:.1f} {unit}, above the {cap:g} {unit} cap",
    "unstable": "baseline unstable: its two halves differ by {drift:.1f} {unit} (at most "
    "{lim:.1f} {unit}); calibrate on steadier calm speech",
    "calibration": "calibration",
    "provisional": "the call's first minutes",
    "st": "st",
    "%": "%",
    "dB": "dB",
}


#: Short names of the coaching rules, where a report or summary names the rule behind a nudge.
RULES = {
    "pitch_high": "pitch",
    "rate_high": "pace",
    "loudness_high": "loudness",
    "interrupting": "interrupting",
    "monologue": "monologue",
    "jump_in": "jump-in",
    "monotony": "monotony",
}


#: The console of `voicecoach live` and `voicecoach demo`: start line and end-of-session summary.
SUMMARY = {
    "listening": "voicecoach live: listening{where}",
    "replaying": "voicecoach live: replaying {source}{where}",
    "into": " into {folder}",
    "session": "session: {s:.1f} s",
    "recorded_in": ", recorded in {folder}",
    "capture": "; capture: {capture}",
    "talk": "  agent talk {agent} s, customer talk {customer} s, overlap {overlap} s",
    "interruption_agent": "interruption: the agent cut the customer off",
    "interruption_customer": "interruption: the customer cut the agent off",
    "backchannel_agent": "backchannel by the agent",
    "backchannel_customer": "backchannel by the customer",
    "turn_end_overlap_agent": "turn-end overlap by the agent (not an interruption)",
    "turn_end_overlap_customer": "turn-end overlap by the customer (not an interruption)",
    "mutual_silence": "mutual silence of {s:.1f} s",
    "nudge": "nudge “{message}” ({rule}, {recovery})",
    "recovered_after": "recovered after {s:.1f} s",
    "not_recovered": "not recovered",
    "held_back": "  repeats held back (no further than a recent nudge): {rules}",
    "latency": "  analysis latency after capture: p50 {p50:.1f} ms, p99 {p99:.1f} ms",
    "finishing": "finishing the report…",
}


#: The capture's status line (live display, console summary; voicecoach.sources).
CAPTURE = {
    "line": "{devices}; backlog {backlog:.0f} ms (max {backlog_max:.0f}), lag {lag:.0f} ms, "
    "overflows {overflows}, drift {drift}",
    "drift_na": "n/a",
    "replay": "replay; {delivered:.1f} s delivered, backlog {backlog:.0f} ms",
    "starting": "starting",
    "ok": "ok",
    "stalled": "stalled",
    "lost": "lost",
    "absent": "absent",
    "closed": "closed",
    "agent": "agent",
    "customer": "customer",
    "degraded": "{devices} — the other channel keeps recording",
    "degraded_any": "capture degraded",
}


#: Notes a review adds about a mono call or a stereo call's channels (voicecoach.review.mono).
NOTES = {
    "too_little": "only {speech:.0f} s of speech, too little to look for a second voice (needs "
    "{need:g} s)",
    "one_voice": "one voice detected",
    "mixed_hint": "; if the recorder mixes both parties, review with --mono-voices two",
    "mono_alone": "mono file: {found}; reviewed as the agent alone (conversation metrics "
    "unavailable)",
    "unattributed": "mono file: two voices may be present (clustering finds two), but the "
    "profile's voice model cannot tell them apart: not attributed, the agent's figures may "
    "include the customer's speech (review without --profile to attribute by clustering)",
    "no_model": "; the profile has no voice model (calibrate again to store one)",
    "not_attributed": "mono file with two voices detected, but they could not be attributed: "
    "the agent's figures include the customer's speech",
    "by_profile": "attributed by the profile's voice model",
    "voice_first": "A (speaks first)",
    "voice_second": "B (speaks second)",
    "unsure": "; who speaks first is unsure (only {pct:.0f} % of the first {first:g} s of "
    "speech fits voice A better): check the two voices in the report",
    "unsure_one": "; who speaks first is unsure (only {pct:.0f} % of the first second of "
    "speech fits voice A better): check the two voices in the report",
    "by_clustering": "attributed by clustering, agent = voice {name}{no_model}{unsure}; if "
    "wrong, review again with --mono-agent {alt}",
    "no_model_short": "(the profile has no voice model)",
    "profile_weak": " (weakly: the profile's voice model does not make either voice stand "
    "out; check which voice is the agent's)",
    "two_voices": "mono file with two voices detected: {how}; {overlap}",
    "two_voices_assumed": "mono file with two voices assumed (--mono-voices two, the default; "
    "the detector alone found one: if the file holds one voice, review with --mono-voices "
    "detect): {how}; {overlap}",
    "overlap": "overlap detection unavailable in mono: each stretch of speech goes to one "
    "party, so overlaps, interruptions and turn-end overlaps are not measured, and where both "
    "speak at once the agent's loudness also hears the customer",
    "overlap_band": " (the interruption detector runs on wideband audio only: on telephone-band "
    "audio its precision is too low)",
    "interruptions": "interruptions estimated from one channel (where the attribution jumps "
    "from one voice to the other with overlap evidence; each event has a confidence; "
    "conservative: many interruptions are missed); overlaps and turn-end overlaps are not "
    "measured",
    "band": "the profile was calibrated on {profile_band} audio ({profile_khz:g} kHz) and the "
    "agent's channel is {call_band} audio ({call_khz:g} kHz): a voice's pitch and pace read "
    "differently over a telephone line (up to +4 st of pitch measured), so pitch and pace "
    "nudges may be false; calibrate on a recording of the same kind to judge this call",
    "band_line": "the profile was calibrated on wideband audio ({profile_khz:g} kHz) and the "
    "agent's channel is telephone audio ({call_khz:g} kHz): the call is judged against the "
    "profile's telephone-band references (its calibration speech through a simulated line)",
    "band_tel": "telephone",
    "band_wide": "wideband",
    "swapped": "the profile matches channel {other} better than the agent channel {agent}; the "
    "channels may be swapped: use --agent-channel {other}",
    "cut_short": "the live session was cut short: its session.json says it never ended cleanly "
    "(killed, crashed or still recording), so the recording stops where it was cut and the "
    "session wrote no report of its own",
    "mono_agent_channel": "the file is mono: --agent-channel 1 does not apply; its one channel "
    "is reviewed as the agent (conversation metrics unavailable)",
    "mono_agent_channel_search": "the file is mono: --agent-channel 1 does not apply; its two "
    "voices are looked for (see the summary; --mono-agent or the profile's voice model says "
    "which one is the agent)",
    "identical_search": "its two channels are identical (a mono call saved as stereo): "
    "reviewed as a mono call (its two voices are looked for: see the summary)",
    "identical_alone": "its two channels are identical (a mono call saved as stereo): reviewed "
    "as a mono call, the agent alone (conversation metrics unavailable; [mono] enabled = "
    "false)",
    "pair_lengths": "the agent file holds {agent_s:.1f} s and the customer file "
    "{customer_s:.1f} s: the {short}'s is padded with silence to the other's end (check that "
    "the two files are the same call)",
}


#: The review's one line per call on the console (voicecoach review, review batch).
REVIEW_LINE = {
    "line": "{stem}: {duration} s, interruptions {interruptions}, backchannels "
    "{backchannels}, overlap {overlap}, nudges {nudges}",
    "na": "n/a",
    "seconds": "{v} s",
    "bypassed": "echo canceller bypassed (far end silent)",
    "no_echo": "no echo (headset)",
    "detecting": "echo canceller still detecting",
    "converging": "echo canceller converging",
    "converged": "echo cancelled",
    "diverged": "echo canceller diverged",
    "unknown": "echo {state}",
    "found": "echo found",
    "found_delay": "echo found ({ms} ms)",
    "not_found": "no echo found",
    "bypassed_at_end": "{found}, canceller bypassed at the end (far end silent)",
    "no_canceller": "no echo canceller",
    "whatif": "{name}: {n} nudges (was {before})",
    "colon": ": ",
    "reviewed": "{n} call(s) reviewed into {out}",
    "reused": " ({n} re-coached from cached tracks)",
    "failed": "{n} failed",
}


#: `voicecoach setup`, the guided first run (voicecoach.setup_wizard): questions, meters,
#: verdicts, step lines. Keys typed by the agent (Enter, r, c, d, a, s, y/n) are the same in
#: every language.
SETUP = {
    "intro": "voicecoach setup: microphone, far end, calm profile, then live coaching.",
    "saved_in": "Your choices are saved in {path}.",
    "colon": ": ",
    "quoted": "{text!r}",
    "enter": "Enter",
    "answered": "{prompt}: {answer} (--yes)",
    "not_an_answer": "{answer!r} is not an answer here: type one of {shown}.",
    "yes_no_yes": " (Y/n)",
    "yes_no_no": " (y/N)",
    "not_yes_no": "{answer!r} is not an answer here: type y or n.",
    # steps 1 and 2: devices and levels
    "devices_done": "Step 1-2 (devices, levels): done, microphone {mic!r} and far end {far!r} "
    "are configured and present (--redo devices to choose again).",
    "step_devices": "Step 1 (devices): which input is your microphone, which one the call?",
    "step_levels": "Step 2 (levels): speak into your microphone and have the customer (or any "
    "sound on this computer) play.",
    "cannot_open": "These devices cannot be opened: {error}",
    "keeping_devices": "(--yes: keeping these devices anyway)",
    "keep_check_choose": "Enter: keep these devices, c: check again, d: choose other devices",
    "retry_choose": "c: try again, d: choose other devices",
    "saved_devices": "Saved microphone {mic!r} and far end {far!r} to {path}.",
    "mic_given": "Microphone: {device} (--mic)",
    "mics": "Microphones (your voice):",
    "suggested": "  <- suggested",
    "mic_number": "Microphone number",
    "far_given": "Far end: {device} (--far)",
    "fars": "Far-end sources (what the computer plays: the customer):",
    "other_inputs": "   other inputs:",
    "far_number": "Far-end number",
    "no_monitor": "No input looks like the computer's output (a monitor or loopback). On "
    "Linux, name the PulseAudio monitor in ~/.asoundrc, e.g.\n"
    '    pcm.call_audio { type pulse device "<sink name>.monitor" '
    'hint { show on description "call audio" } }\n'
    "(`pactl list short sources` gives the names), then type r to rescan. On Windows use "
    '"Stereo Mix" or a virtual cable; on macOS a virtual device such as BlackHole.',
    "device_prompt": "{prompt} (or a part of its name; r: rescan)",
    "no_number": "There is no number {n} here: type a number from 1 to {count}.",
    "no_device": "{error}",
    "type_number": "Type a number from 1 to {count}, or a part of a listed name.",
    "already_mic": "{name!r} is already the microphone: choose another input.",
    "listening": "Listening to both for {s:g} s",
    "enter_stops": " (Enter stops)...",
    "dots": "...",
    "meters": "  mic {mic_bar} {mic_db}   customer {far_bar} {far_db}   {left:2.0f} s",
    "yes": "yes",
    "no": "no",
    "level": "(loudest {db}, {heard:.1f} s over {threshold:g} dB)",
    "mic_heard": "microphone heard: {answer} {level}",
    "far_heard": "customer heard: {answer} {level}",
    "mic_hint": " {dash} say a few words, check that the microphone is not muted, or pick "
    "another microphone",
    "far_hint": " {dash} play something on the call (or any sound on this computer) or pick "
    "another far-end source",
    "mic_clipped": "microphone clipped: its level reaches full scale; lower its volume or gain",
    "far_clipped": "far end clipped: its level reaches full scale; lower its volume or gain",
    "mic_missing": "microphone delivered no audio for {missing:.1f} of {seconds:.1f} s (the "
    "device stalled: it is busy, unplugged, or the sound server is overloaded); check again, "
    "or pick another device",
    "far_missing": "far end delivered no audio for {missing:.1f} of {seconds:.1f} s (the "
    "device stalled: it is busy, unplugged, or the sound server is overloaded); check again, "
    "or pick another device",
    # step 3: calibration
    "calibration_done": "Step 3 (calibration): done, profile {profile!r} is calibrated "
    "(--redo calibration to record it again or add to it).",
    "step_calibration": "Step 3 (calibration): {s:g} s of your calm speech make your profile, "
    "the baseline the coach compares you with.",
    "kept_speech": "Profile {name!r} rests on {s:.0f} s of speech, kept beside it. ",
    "use_add_redo": "Enter: use it, a: add calm speech to it, r: record it again",
    "add_redo": "a: add calm speech to it, Enter: record it again",
    "using_stored": "Using the stored profile {name!r}.",
    "exists_again": "Profile {name!r} already exists. Record it again?",
    "start_or_skip": "Enter: start recording, s: skip (live then learns your baseline from "
    "the call's first 30 s of speech)",
    "skipped": "Calibration skipped; run voicecoach setup again to do it.",
    "record_again": "Record again?",
    "not_done": "Calibration not done; run voicecoach setup again to do it.",
    "saved_profile": "Saved profile {name!r} to {path}",
    "grown": ", grown to {s:.0f} s of speech.",
    "full_stop": ".",
    "kept_audio": "Kept the calibration speech in {path} (readable by you only): run "
    "`voicecoach setup --redo calibration` another day to add to it; "
    "`voicecoach profile delete {name}` removes both.",
    "profile_name": "Profile name",
    "profile_name_help": "Profile name (letters, digits, '_', '-', '.')",
    "bad_name": "{error}",
    "recording": "Recording {s:g} s: speak calmly, as on a call (read a text aloud, or "
    "describe your day)...",
    "rec": "  {mark} rec {bar} {db}   {left:2d} s left",
    "mic_stalled": "The microphone delivered no audio for {s:.1f} s of the recording "
    "(stalled: busy, unplugged, or the sound server is overloaded).",
    "cannot_use": "The recording cannot be used: {why}",
    "calibration_said": "  (calibration said: {error})",
    "refused_silent": "almost nothing was heard from the microphone. Check that it is the "
    "right one, that it is not muted, and speak close to it.",
    "refused_clipped": "your voice was too loud for the microphone: the sound was cut off "
    "(clipped). Lower the microphone's gain or move it a little away.",
    "refused_little": "there was too little speech in it. Talk for the whole recording, in a "
    "calm voice, with only short pauses.",
    "refused": "the calibration refused it.",
    "weak": "The recording is usable, but some cues would stay silent in calls:",
    "weak_line": "{rule}: {why}",
    "keeping_it": "(--yes: keeping it)",
    # step 4: saving, then live
    "lang": "Language of the cues",
    "lang_prompt": "Language of the cues (fr or en)",
    "bad_lang": "{answer!r} is not a language voicecoach speaks: type fr or en.",
    "switched": "Setup goes on in English.",
    "no_profile": "(none: learnt from the call)",
    "saved_all": "Step 4 (saving): microphone {mic!r}, far end {far!r}, profile {profile!r}, "
    "language {lang!r} are in {path}.",
    "setup_done": "Setup done. Start coaching with: voicecoach live",
    "starting": "Starting: voicecoach {argv}",
}


#: A profile's summary (voicecoach.profiles.format_profile: `voicecoach profile show`, and the
#: setup wizard after a calibration). Labels padded to one column.
PROFILE = {
    "provisional": "provisional (from a call)",
    "calibrated": "calibrated",
    "unnamed": "(unnamed)",
    "na": "n/a",
    "profile": "profile      {name} — {kind}",
    "f0": "median F0    {hz} Hz ({st} st above 55 Hz)",
    "range": "F0 range     {p10} – {p90} st (p10–p90, spread {spread} st)",
    "articulation": "articulation {rate} syllables/s of speech (spread {spread})",
    "syllables": "syllables    {rate} syllables/s (spread {spread})",
    "loudness": "loudness     {db} dBFS (speech level, power mean)",
    "measures": "measures     pitch {pitch} st (calm +{pitch_calm}, drift {pitch_drift}, "
    "{pitch_s} s); pace {rate} syl/s (calm +{rate_calm} %, drift {rate_drift} %, {rate_s} s); "
    "loudness {loud} dBFS (calm +{loud_calm}, drift {loud_drift}, {loud_s} s)",
    "measured": "measured on  {speech} s of speech, {voiced} s voiced",
    "source": "source       {source}",
    "band": "recorded at  {khz} kHz ({band} audio: review calls of the same kind with it)",
    "band_lines": "recorded at  {khz} kHz ({band} audio)",
    "telephone": "over a line  pitch {pitch} st, pace {rate} syl/s, loudness {loud} dBFS (an 8 "
    "kHz call's references with [baseline] telephone_references on)",
    "created": "created      {created}",
    "voice": "voice model  {n} Gaussians (tells the agent on mono calls)",
    "no_voice": "voice model  none (calibrate again to store one: mono calls, swapped channels)",
    # the command line's calibrate and profile commands
    "recording": "Recording {s:.0f} s of calm speech from {mic!r}... speak now.",
    "saved": "saved profile {name!r} to {path}",
    "removed": "removed {file}, the calibration audio kept for the profile this one replaces "
    "(--keep-audio keeps the new one)",
    "kept": "kept its {s:.0f} s of calibration audio in {path} (readable by you only): `--add` "
    "grows the profile with more calm speech, `voicecoach profile delete {name}` removes both",
    "verdicts_ok": "verdicts     pitch, pace and loudness nudges can judge with this profile",
    "verdict_silent": "verdicts     {rule} stays silent with this profile: {why}",
    "kept_audio": "  kept audio   {path} (`voicecoach calibrate --profile {name} --add ...` grows "
    "the profile from it)",
    "deleted": "deleted {path}{more}",
    "and_file": " and {file}",
    "no_profiles": "no profiles in {dir}",
}
