"""Two-party conversation tracking: speech, turns, overlaps, interruptions, backchannels.

:class:`ConversationTracker` takes the per-hop :class:`~voicecoach.analysis.Features` of the
agent microphone and of the call's far end (the customer) and emits typed events
(:mod:`voicecoach.events`) as soon as each decision is known. It is the same code for live
audio (one or two hops per call) and for review (seconds per call): the events do not depend
on how the stream is cut. :func:`summarize` turns events into the conversation metrics.

Definitions
-----------
All keys are in ``[conversation]`` of ``config/voicecoach.toml``; defaults in brackets.
"B" is the party that starts while "A" holds the floor.

Time base
    Every time is *agent-side time*: the agent microphone's clock, which is also when the agent
    heard the far end. If the far-end channel lags what the agent heard (a recording tapped
    after the network), ``far_delay_s`` [0] holds the agent rows back that long so that both
    parties are judged in agent-side time; events are then decided ``far_delay_s`` later.
    Interruptions are judged from the agent's side: the agent is charged with cutting in only
    when the customer was audible to the agent, whatever the network delay made the customer
    hear.

Speech segment
    Per party, the raw VAD decision (``vad_raw``; for the agent after bleed rejection) goes
    through the tracker's own hysteresis: a segment starts once the raw decision has held for
    ``speech_onset_s`` [0.06] (shorter bursts are ignored) and ends after ``speech_hangover_s``
    [0.25] without it (which bridges consonant gaps; the agent's, over the customer's speech,
    after ``double_talk_hangover_s`` [0 = off] when the microphone before the echo canceller
    still holds more than the far end's echo, see :class:`ConversationTracker`). Its onset is
    the first raw hop of the run that switched it on and its offset the end of its last raw hop,
    so the hysteresis delays decisions but not times (the core's ``speech`` column, with its own
    hangover, is not used). A segment is decided open ``speech_onset_s`` after its onset and
    closed ``speech_hangover_s`` after its offset. The far end's onset is then moved back over
    the hops just before it, up to ``far_onset_backtrack_s`` [0.3], that are
    ``far_onset_backtrack_db`` [6] over its background (the 90th percentile of its non-speech
    hop levels in the 3 s before), never into its previous segment: a soft first sound or a
    fricative that the VAD scores late (the endpointers' low-threshold backtrack). The
    microphone is backtracked by level only on a telephone-band agent channel (a line sinks
    its soft first sounds), up to ``agent_onset_backtrack_s`` [0.3] over hops
    ``agent_onset_backtrack_db`` over the agent's own background and only where the echo
    canceller holds no uncancelled echo (elsewhere its hops before an onset may hold echo or
    bleed); in any case the agent's onset is moved back a fixed ``agent_onset_pad_s`` [0.03]
    over the hops just before it that were not judged the far end's copy (bleed or echo),
    never into its previous segment, the speech pad of Silero's own timestamps: the
    detector scores onsets 4-6 hops late, and in double talk the canceller's suppressor sinks
    the first ones too. Mono calls split into two voices have neither (each hop is one
    party's).

Turn and floor
    A party's turn joins its segments across its own pauses shorter than ``turn_gap_s`` [0.5];
    backchannels never start or extend a turn. The floor belongs to the party whose open turn
    started first. A turn ends at its last segment's offset, either once its party has been
    silent for ``turn_gap_s``, or at once when the other party, already holding a turn or
    taking over, is still speaking as it stops (the other *outlasts* it and takes the floor).
    Speech starting while nobody holds the floor opens a turn at once. Speech by B starting
    within ``simultaneous_start_s`` [0.2] of the start of A's turn is a simultaneous start: B
    opens a turn too, and the overlap gets no classification.

Intrusion
    Any other speech by B starting while A holds the floor (A speaking, or pausing for less
    than ``turn_gap_s``) is an intrusion, classified exactly once:

    * **interruption** (``Interruption(by=B, of=A)``): B's and A's segments overlap, and at
      ``D = max(min_overlap_s [0.5], turn_end_s [0.3])`` after the start of that overlap both
      are still inside their segments and both had raw speech within ``decision_bridge_s``
      [0.03] before that instant. It is emitted open at the first hop where this holds
      (``decided_s = onset + D`` when both are audible then; if one is in a gap, as soon as
      it is heard again, which bounds the wait by the gap) and re-emitted with the same
      ``id`` when the overlap ends. ``start_s`` is B's onset, ``end_s`` the first of the two
      offsets. B then holds a turn.
    * **turn-end overlap** (``TurnEndOverlap(by=B, of=A)``): A's segment ends while B goes on
      speaking, after they overlapped, and before the interruption rule fired, i.e. B started
      within the last ``D`` of A's speech (within ``turn_end_s``, or overlapping it by less
      than ``min_overlap_s``), and A stays silent for ``turn_gap_s`` [0.5]. ``start_s`` is B's
      onset, ``end_s`` A's offset; decided at A's offset + ``turn_gap_s``. A's turn ends and
      B's turn starts at B's onset. If A speaks again within ``turn_gap_s`` while B goes on,
      A's turn did not end: the overlap stays open across A's pause (same ``id`` and start) and
      the interruption rule applies to it once both speak again.
    * **the customer's pause after its first words**: when the customer (B) stops inside the
      agent's turn before the interruption rule fired, the agent still speaking, and speaks
      again within ``far_intrusion_join_s`` [0.45] of its offset while the agent goes on, it is
      one intrusion: the overlap stays open across the pause (same ``id``, from B's first
      onset) and the interruption rule applies to it once both speak again (``decided_s`` then
      is B's new onset + ``speech_onset_s``). Its backchannel (below) is therefore recorded
      ``far_intrusion_join_s`` after B's offset. The agent's microphone is not joined this
      way: its fragments of bleed, residual echo or noise would be welded to its speech.
    * **backchannel** (``Backchannel(by=B, of=A)``): B stops first, no more than
      ``backchannel_max_s`` [1.0] after its onset, while A goes on (A is still speaking when B
      stops, or resumes after a pause before its turn ends). ``start_s``/``end_s`` span B's
      utterance. A keeps the floor and B gets no turn. A backchannel overlapping A for
      ``D`` or more is an interruption: the live decision is taken at ``D``, before B's
      length is known, so backchannels longer than about ``D`` are counted as interruptions
      (measured on generated calls: every 0.6-0.9 s backchannel overlapping for ``D``,
      none under 0.45 s; ``benchmarks/tracker_bench.py``). Prosodic evidence available at
      ``D`` was measured and not adopted: the intruder's syllable-nucleus count separates
      the generator's backchannels (1 nucleus by ``D``) from its interruptions at 4.5-5
      syllables/s (2 nuclei), but 3 of 10 interruptions spoken at 3.5 syllables/s and all at
      3 syllables/s have a single nucleus by ``D`` (a drawn-out "euh..."/"mais..." start), so
      a nucleus rule would trade missed interruptions for fewer false ones, and deferring
      the decision would break the latency contract. Raise ``min_overlap_s`` to trade
      latency for fewer long-backchannel interruptions. *Retraction*: when such an
      interruption's B stops within ``backchannel_max_s`` of its onset while A is still
      speaking, and stays silent for ``retract_gap_s`` [0.8], the interruption's last
      version is ``retracted=True`` and a backchannel is recorded; if B speaks again within
      ``retract_gap_s`` (a pause inside its own words) while A is still speaking, the
      intrusion goes on measured by B's speech, the pause not counted
      (``retract_join_by_speech`` [true]): the interruption stands once that speech outlasts
      ``backchannel_max_s`` or A gives way, and B stopping again within it, A speaking on,
      is retracted as above (two short words are a backchannel); with
      ``retract_join_by_speech`` false it stands at once and B's turn goes on from its
      onset; if A stopped first (A spoke
      to its end) and ``retract_if_other_stopped`` is true (default false), it is retracted when B
      speaks again and B's new words are new speech. *A's pause after the decision*
      (``hold_decided_interruptions`` [true]): when A stops after the interruption was
      decided and B has not outlasted ``backchannel_max_s``, A's turn is held like any pause
      of the floor holder: if A speaks again within ``turn_gap_s`` its turn goes on (the
      overlap with it), and a B that stopped within ``backchannel_max_s`` meanwhile said a
      long backchannel (retracted after ``retract_gap_s`` of its silence, as above); if A's
      pause reaches ``turn_gap_s`` A gave way and the interruption stands (confirmed then). A
      customer A's return is judged on its backtracked onset, so that wait is
      ``turn_gap_s + far_onset_backtrack_s`` there.
      *Echo-suspect lead-in* (``echo_suspect_max_ratio_db`` [0]): an agent intrusion's
      leading raw hops with the far end's F0 (or an octave relation) no louder than the far
      end, before the echo canceller took over, do not count in its length against
      ``backchannel_max_s`` (residual echo welded onto a backchannel by the hangover); its
      onset and speech are unchanged.
      *Agent speech going on* (``intrusion_min_snr_db`` [6], ``intrusion_max_drop_db``
      [14]): an agent intrusion's raw hops less than ``intrusion_min_snr_db`` over the
      microphone's noise floor, or (where the canceller has not taken over) more than
      ``intrusion_max_drop_db`` under the intrusion's loudest hop, neither lengthen it past
      its last other hop nor count as the agent still speaking when the interruption is
      decided at ``D`` (residual echo that the double-talk hold keeps as speech while the
      canceller's output is at its floor, or babble, after a short backchannel).
    * **take-over**: A's turn ends (A silent for ``turn_gap_s``) while B's intrusion is
      unclassified: B spoke in A's pause and A did not resume. B's turn starts at its onset;
      no overlap event.
    * B longer than ``backchannel_max_s`` without any of these (it started in A's pause and
      A resumed under it for less than ``D``) opens a turn for B and gets no classification.

Overlap
    ``Overlap(by, of)``: both parties inside segments with raw speech at or after the later
    onset; from the later onset to the first offset. ``by`` is the intruder, else the party
    not holding the floor, else the later starter. Emitted open when both are heard, closed
    at the first offset.

Response gap
    ``ResponseGap(party=P, after=Q, gap_s)`` when P's turn starts (not by interruption, not as a
    simultaneous start) and the last turn to end was Q's: ``gap_s`` = P's turn start minus Q's
    turn end, negative after a turn-end overlap. A *jump-in* is a gap under ``jump_in_s``
    [0.2].

Mutual silence
    ``MutualSilence``: neither party in a segment for longer than ``mutual_silence_s`` [3],
    counted from the later offset to the next onset; emitted open once it is longer than
    that, closed at the next onset. Silence before the first speech is not counted.

Far-end bleed
    The agent's raw VAD hops explained by the far end are removed before the agent's
    hysteresis, so bleed never makes agent speech, overlaps or interruptions; see
    :mod:`voicecoach.conversation.bleed` for the rule and ``bleed_*`` keys. The lag
    estimate (``bleed_delay_s`` in :attr:`ConversationTracker.state` and
    ``summary()["conversation"]["bleed"]``) covers acoustic plus playback or network delay
    up to ``bleed_max_delay_s`` [0.6] of the copy *behind* the far-end channel. It serves
    bleed rejection only and does not shift the customer's times (the far-end channel is
    taken as what the agent heard; ``far_delay_s`` covers the opposite case).
"""

from .metrics import summarize
from .tracker import ConversationState, ConversationTracker

__all__ = ["ConversationState", "ConversationTracker", "summarize"]
