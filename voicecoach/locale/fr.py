"""French text: every string voicecoach shows to agents and trainers.

The same names and keys as every other file of :mod:`voicecoach.locale` (a test checks).
"""

from __future__ import annotations

#: Nudges, per coaching rule ([coach.rules.*]): short imperatives read at a glance.
NUDGES = {
    "pitch_high": "Baissez le ton",
    "rate_high": "Ralentissez",
    "loudness_high": "Parlez moins fort",
    "interrupting": "Laissez-le finir",
    "monologue": "Laissez-le parler",
    "jump_in": "Marquez une pause",
    "monotony": "Variez le ton",
}


#: The live window and the terminal dashboard (voicecoach.sinks.view).
DISPLAY = {
    "title": "voicecoach — en direct",
    "pitch_title": "Hauteur de voix (demi-tons par rapport à la référence ; vert : bande calme)",
    "pitch_unit": "demi-tons",
    "rate_unit": "% débit",
    "rate_title": "Débit (% par rapport à la référence)",
    "loudness_title": "Volume (dBFS) : niveau de parole et seuil",
    "lanes": "Qui parle",
    "agent": "Agent",
    "customer": "Client",
    "calm": "bande calme",
    "threshold": "seuil",
    "baseline": "Référence",
    "forming": "en cours",
    "provisional": "provisoire",
    "calibrated": "calibrée",
    "deescalating": "désescalade : seuils resserrés",
    "capture": "Capture",
    "echo": "Écho",
    "echo_bypassed": "rien à annuler",
    "echo_no_echo": "aucun (casque)",
    "echo_detecting": "détection",
    "echo_converging": "adaptation en cours",
    "echo_converged": "annulé",
    "echo_diverged": "annulation d'écho en échec",
    "echo_off": "sans annulation d'écho",
    "waiting": "en attente du son…",
    "no_baseline": "référence en cours de constitution…",
    "int_agent": "agent→client",
    "int_customer": "client→agent",
    "int_tentative": "{label}\u202f?",  # an interruption not yet confirmed
    "overlap": "chevauchement",
    "last_interruption": "Dernière interruption",
    "none": "aucune",
    "ago_short": "il y a",
    "sep": " : ",
    "decimal": ",",
}


#: The terminal dashboard's own words (voicecoach.sinks.terminal).
TERMINAL = {
    "pitch": "Hauteur",
    "pitch_unit": "dt",
    "rate": "Débit",
    "loudness": "Volume",
    "overlap": "Chevauch.",
    "axis": "il y a 30 s",
    "now": "maintenant",
    "speaking": "qui parle",
    "nobody": "personne",
    "both": "les deux",
    "nudge": "conseil",
    "threshold": "seuil",
    "interruption": "interruption",
    "sep": " : ",
    "ago": "il y a {s:.0f} s",
}


#: The HTML report and its timeline (voicecoach.sinks.report).
REPORT = {
    "title": "Revue d'appel",
    "summary": "Résumé par rapport à la référence calme",
    "timeline": "Chronologie",
    "timeline_help": "Cliquez sur la chronologie pour écouter à partir de ce moment ; "
    "la ligne rouge suit l'audio.",
    "events": "Événements",
    "events_help": "Cliquez sur une ligne pour écouter l'appel à partir de ce moment.",
    "definitions": "Ce que signifient les mesures",
    "metric": "Mesure",
    "this_call": "Cet appel",
    "baseline": "Référence calme",
    "note": "Commentaire",
    "agent": "Agent",
    "customer": "Client",
    "conversation": "Conversation",
    "kind": "Événement",
    "start": "Début",
    "end": "Fin",
    "details": "Détails",
    "show_all": "Afficher aussi la parole, les tours et les délais de réponse",
    "no_audio": "Aucun enregistrement à écouter n'a été conservé pour ce rapport (--audio none).",
    "provisional": "provisoire : 30 premières secondes de parole de l'agent dans cet appel",
    "calibrated": "profil calibré",
    "speech_used": "s de parole calme",
    "in_call": "Jugé aussi par rapport au niveau antérieur de cet appel",
    "not_judged": "Non évalué, pas de conseil",
    "whatif": "Simulation avec d'autres réglages",
    "was": "conseils avant",
    "index": "Tous les appels",
    "baseline_forming": "référence en cours",
    "recovered_after": "revenu à la normale après {s:.1f} s",
    "not_recovered": "pas revenu à la normale",
    "gap_after": "après",
    "retracted": " (retiré : c'était un acquiescement)",
    "axis_pitch": "hauteur / calme (dt)",
    "axis_rate": "débit / calme (%)",
    "axis_loudness": "volume / calme (dB)",
    "axis_speech": "parole",
    "median_pitch": "Hauteur médiane",
    "time_above_pitch": "Temps au-dessus du seuil de hauteur",
    "speaking_rate": "Débit",
    "time_above_plus": "temps au-dessus du seuil +",
    "threshold": "seuil",
    "halved_when_agitated": "divisé par deux quand le client est agité",
    "loudness": "Volume",
    "talk_ratio": "Part de parole",
    "interruptions_made": "Interruptions faites",
    "interrupted_by_customer": "Interruptions subies (par le client)",
    "median_response_gap": "Délai de réponse médian",
    "jump_ins": "prises de parole précipitées : ",
    "longest_turn": "Tour le plus long",
    "nudges": "Conseils",
    "held_back": "répétitions retenues (pas au-delà d'un conseil récent) : ",
    "customer_talk_ratio": "Part de parole du client",
    "customer_agitated": "Client agité",
    "deescalation_mode": "désescalade : ",
    "overlap": "Chevauchement",
    "mutual_silences": "silences mutuels : ",
    "sep": " : ",
    "quote": "« {m} »",
    "semicolon": " ; ",
    "overlap_mono": "non mesuré sur un appel mono (chaque "
    "passage de parole va à un seul interlocuteur)",
    "single_party": "un seul interlocuteur enregistré : chevauchements "
    "et interruptions demandent les deux",
    "kind_stereo": "fichier stéréo",
    "kind_mono": "fichier mono",
    "kind_pair": "deux fichiers mono",
    "kind_session": "séance en direct",
}


#: Event kinds in the report's events table.
EVENT_KINDS = {
    "nudge": "Conseil",
    "interruption": "Interruption",
    "overlap": "Chevauchement",
    "backchannel": "Acquiescement",
    "turn_end_overlap": "Chevauchement de fin de tour",
    "mutual_silence": "Silence mutuel",
    "response_gap": "Délai de réponse",
    "turn": "Tour",
    "speech": "Parole",
}


#: The two parties.
PARTIES = {"agent": "agent", "customer": "client"}


#: Plain-language definitions in the report: (term, definition).
DEFINITIONS = [
    (
        "Référence calme",
        "La voix de l'agent au calme : hauteur médiane, débit et volume, tirés d'un "
        "enregistrement de calibrage (un profil) ou, à défaut, des 30 premières "
        "secondes de parole de l'agent dans l'appel. Tout est comparé à cette "
        "référence.",
    ),
    (
        "Hauteur (demi-tons, dt)",
        "La hauteur de la voix par rapport à la référence, en demi-tons (12 demi-tons = "
        "une octave ; +2 s'entend nettement, comme sous stress). Mesurée sur le bas de "
        "la tessiture, sur les 3,5 dernières secondes de parole voisée.",
    ),
    (
        "Bande calme",
        "La bande verte de la chronologie de hauteur : la référence plus ou moins le seuil "
        "de hauteur. Le temps au-dessus est le temps passé nettement plus haut.",
    ),
    (
        "Débit",
        "Syllabes par seconde de parole (pauses exclues), d'après les 40 derniers "
        "intervalles entre syllabes (environ 8 secondes de parole), en pourcentage "
        "au-dessus ou au-dessous du débit calme.",
    ),
    (
        "Volume",
        "Niveau de la parole en décibels par rapport au niveau calme (+6 dB s'entend nettement).",
    ),
    ("Part de parole", "La part de l'agent dans le temps où l'un des deux parlait."),
    ("Chevauchement", "Les deux parlent en même temps."),
    (
        "Interruption",
        "Commencer à parler alors que l'autre a la parole, au milieu de son tour, et "
        "parler par-dessus au moins une demi-seconde. Le tableau dit qui a interrompu "
        "qui.",
    ),
    (
        "Acquiescement",
        "Un court « mm » ou « oui » pendant le tour de l'autre ; pas une interruption.",
    ),
    (
        "Chevauchement de fin de tour",
        "Commencer au moment où l'autre termine : une passation rapide, pas une interruption.",
    ),
    (
        "Délai de réponse",
        "Le silence entre la fin du tour de l'un et le début du tour de l'autre. Un "
        "délai très court ou négatif signale une prise de parole précipitée.",
    ),
    ("Silence mutuel", "Personne ne parle pendant plus de 3 secondes."),
    (
        "Conseil",
        "Un conseil bref affiché à l'agent en direct (p. ex. « Baissez le ton ») quand une "
        "mesure est restée au-delà de son seuil assez longtemps. « Revenu à la normale "
        "après » : le temps mis pour repasser sous le seuil. Dans les 5 minutes (par défaut) qui "
        "suivent un conseil, le même n'est redonné que pour un écart plus grand (« répétitions "
        "retenues » compte les autres).",
    ),
    (
        "Interruptions par 10 min",
        "Interruptions faites par l'agent, ramenées à un appel de 10 minutes, pour "
        "comparer des appels de durées différentes.",
    ),
]


#: The cross-call index (voicecoach.sinks.index).
INDEX = {
    "title": "Revues d’appels",
    "heading": "Revues d’appels",
    "calls": "appel(s)",
    "agents": "agent(s) nommé(s)",
    "unknown_agent": "(agent inconnu)",
    "intro": "Interruptions faites par l'agent ; temps au-dessus de la bande : part "
    "du temps mesuré où la hauteur de l'agent dépassait la bande calme ; "
    "débit : médiane des syllabes par seconde de parole ; délai de réponse : "
    "silence médian avant de répondre.",
    "call": "Appel",
    "duration": "Durée",
    "all": "Total",
    "trend": "Évolution",
    "whatif": " (simulation)",
}


#: Index column headings, per metric.
INDEX_METRICS = {
    "interruptions_per_10min": "Interruptions / 10 min",
    "above_pitch_band_pct": "Temps au-dessus de la bande (%)",
    "rate_syl_s": "Débit (syl/s)",
    "talk_ratio_pct": "Part de parole (%)",
    "response_gap_s": "Délai de réponse (s)",
    "nudges": "Conseils",
}


#: Pourquoi une règle de prosodie ne peut pas juger (voicecoach.coach.Coach.baseline_verdict).
VERDICTS = {
    "thin": "référence trop courte pour juger : {measured:.1f} s de parole calme mesurées "
    "({needed:g} s nécessaires) ; ajoutez de la parole calme au profil (voicecoach calibrate "
    "--add)",
    "variable": "parole calme trop variable pour juger : elle atteint +{calm:.1f} {unit} "
    "({source}, p{q:.0f}), le seuil serait donc de {need:.1f} {unit}, au-dessus du plafond de "
    "{cap:g} {unit}",
    "unstable": "référence instable : ses deux moitiés diffèrent de {drift:.1f} {unit} (au plus "
    "{lim:.1f} {unit}) ; calibrez sur une parole calme plus régulière",
    "calibration": "calibrage",
    "provisional": "début de l’appel",
    "st": "dt",
    "%": "%",
    "dB": "dB",
}


#: Short names of the coaching rules, where a report or summary names the rule behind a nudge.
RULES = {
    "pitch_high": "hauteur",
    "rate_high": "débit",
    "loudness_high": "volume",
    "interrupting": "interruption",
    "monologue": "monologue",
    "jump_in": "prise de parole précipitée",
    "monotony": "monotonie",
}


#: The console of `voicecoach live` and `voicecoach demo`: start line and end-of-session summary.
SUMMARY = {
    "listening": "voicecoach en direct : à l'écoute{where}",
    "replaying": "voicecoach en direct : relecture de {source}{where}",
    "into": ", enregistrement dans {folder}",
    "session": "séance : {s:.1f} s",
    "recorded_in": ", enregistrée dans {folder}",
    "capture": " ; capture : {capture}",
    "talk": "  parole de l'agent {agent} s, du client {customer} s, chevauchement {overlap} s",
    "interruption_agent": "interruption : l'agent coupe la parole au client",
    "interruption_customer": "interruption : le client coupe la parole à l'agent",
    "backchannel_agent": "acquiescement de l'agent",
    "backchannel_customer": "acquiescement du client",
    "turn_end_overlap_agent": "chevauchement de fin de tour par l'agent (pas une interruption)",
    "turn_end_overlap_customer": "chevauchement de fin de tour par le client (pas une "
    "interruption)",
    "mutual_silence": "silence mutuel de {s:.1f} s",
    "nudge": "conseil « {message} » ({rule}, {recovery})",
    "recovered_after": "revenu à la normale après {s:.1f} s",
    "not_recovered": "pas revenu à la normale",
    "held_back": "  répétitions retenues (pas au-delà d'un conseil récent) : {rules}",
    "latency": "  latence de l'analyse après la capture : p50 {p50:.1f} ms, p99 {p99:.1f} ms",
    "finishing": "fin du rapport en cours…",
}


#: The capture's status line (live display, console summary; voicecoach.sources).
CAPTURE = {
    "line": "{devices} ; attente {backlog:.0f} ms (max {backlog_max:.0f}), retard "
    "{lag:.0f} ms, débordements {overflows}, dérive {drift}",
    "drift_na": "n. d.",
    "replay": "relecture ; {delivered:.1f} s lues, attente {backlog:.0f} ms",
    "starting": "démarrage",
    "ok": "ok",
    "stalled": "bloqué",
    "lost": "perdu",
    "absent": "absent",
    "closed": "fermé",
    "agent": "agent",
    "customer": "client",
    "degraded": "{devices} — l'autre canal continue d'enregistrer",
    "degraded_any": "capture dégradée",
}


#: Notes a review adds about a mono call or a stereo call's channels (voicecoach.review.mono).
NOTES = {
    "too_little": "seulement {speech:.0f} s de parole, trop peu pour chercher une seconde voix "
    "({need:g} s nécessaires)",
    "one_voice": "une seule voix détectée",
    "mixed_hint": " ; si l'enregistreur mélange les deux interlocuteurs, relancez avec "
    "--mono-voices two",
    "mono_alone": "fichier mono : {found} ; analysé comme l'agent seul (mesures de "
    "conversation indisponibles)",
    "unattributed": "fichier mono : deux voix sont peut-être présentes (le regroupement en "
    "trouve deux), mais le modèle de voix du profil ne les distingue pas : rien n'est "
    "attribué, les mesures de l'agent peuvent inclure la parole du client (refaites la revue "
    "sans --profile pour attribuer par regroupement)",
    "no_model": " ; le profil n'a pas de modèle de voix (calibrez à nouveau pour en "
    "enregistrer un)",
    "not_attributed": "fichier mono avec deux voix détectées, mais elles n'ont pas pu être "
    "attribuées : les mesures de l'agent incluent la parole du client",
    "by_profile": "attribuées par le modèle de voix du profil",
    "voice_first": "A (parle en premier)",
    "voice_second": "B (parle en second)",
    "unsure": " ; qui parle en premier est incertain (seulement {pct:.0f} % des {first:g} "
    "premières secondes de parole correspondent mieux à la voix A) : vérifiez les deux voix "
    "dans le rapport",
    "unsure_one": " ; qui parle en premier est incertain (seulement {pct:.0f} % de la "
    "première seconde de parole correspond mieux à la voix A) : vérifiez les deux voix "
    "dans le rapport",
    "by_clustering": "attribuées par regroupement, agent = voix {name}{no_model}{unsure} ; en "
    "cas d'erreur, refaites la revue avec --mono-agent {alt}",
    "no_model_short": "(le profil n'a pas de modèle de voix)",
    "profile_weak": " (faiblement : le modèle de voix du profil ne distingue nettement "
    "aucune des deux voix ; vérifiez quelle voix est celle de l'agent)",
    "two_voices": "fichier mono avec deux voix détectées : {how} ; {overlap}",
    "two_voices_assumed": "fichier mono avec deux voix supposées (--mono-voices two, le "
    "réglage par défaut ; le détecteur seul n'en a trouvé qu'une : si le fichier ne "
    "contient qu'une voix, refaites la revue avec --mono-voices detect) : {how} ; {overlap}",
    "overlap": "chevauchements non mesurables en mono : chaque passage de parole va à un seul "
    "interlocuteur, donc chevauchements, interruptions et chevauchements de fin de tour ne "
    "sont pas mesurés, et quand les deux parlent en même temps le volume de l'agent inclut "
    "la voix du client",
    "overlap_band": " (le détecteur d'interruptions ne tourne que sur un enregistrement large "
    "bande : sur la bande téléphonique sa précision est trop faible)",
    "interruptions": "interruptions estimées sur un seul canal (là où l'attribution passe "
    "d'une voix à l'autre avec des indices de chevauchement ; chaque événement a un indice de "
    "confiance ; prudent : beaucoup d'interruptions sont manquées) ; chevauchements et "
    "chevauchements de fin de tour ne sont pas mesurés",
    "band": "le profil a été calibré sur un enregistrement {profile_band} ({profile_khz:g} kHz) "
    "et le canal de l'agent est {call_band} ({call_khz:g} kHz) : la hauteur et le débit d'une "
    "voix ne se mesurent pas de la même façon sur une ligne téléphonique (jusqu'à +4 "
    "demi-tons de hauteur mesurés), les conseils de hauteur et de débit peuvent donc être "
    "faux ; calibrez sur un enregistrement du même type pour juger cet appel",
    "band_line": "le profil a été calibré sur un enregistrement large bande "
    "({profile_khz:g} kHz) et le canal de l'agent est téléphonique ({call_khz:g} kHz) : "
    "l'appel est jugé sur "
    "les références téléphoniques du profil (sa parole de calibrage passée par une ligne "
    "simulée)",
    "band_tel": "téléphonique",
    "band_wide": "large bande",
    "swapped": "le profil correspond mieux au canal {other} qu'au canal de l'agent {agent} : "
    "les canaux sont peut-être inversés ; utilisez --agent-channel {other}",
    "cut_short": "la séance en direct a été interrompue : son session.json indique qu'elle ne "
    "s'est pas terminée normalement (arrêt forcé, plantage ou enregistrement en cours) ; "
    "l'enregistrement s'arrête là où elle a été coupée et la séance n'a pas écrit son propre "
    "rapport",
    "mono_agent_channel": "le fichier est mono : --agent-channel 1 ne s'applique pas ; son "
    "unique canal est analysé comme l'agent (mesures de conversation indisponibles)",
    "mono_agent_channel_search": "le fichier est mono : --agent-channel 1 ne s'applique "
    "pas ; ses deux voix sont recherchées (voir le résumé ; --mono-agent ou le modèle de voix "
    "du profil désigne l'agent)",
    "identical_search": "ses deux canaux sont identiques (un appel mono enregistré en "
    "stéréo) : analysé comme un appel mono (ses deux voix sont recherchées : voir le résumé)",
    "identical_alone": "ses deux canaux sont identiques (un appel mono enregistré en stéréo) : "
    "analysé comme un appel mono, l'agent seul (mesures de conversation indisponibles ; [mono] "
    "enabled = false)",
    "pair_lengths": "le fichier de l'agent dure {agent_s:.1f} s et celui du client "
    "{customer_s:.1f} s : celui du {short} est complété par du silence jusqu'à la fin de "
    "l'autre (vérifiez que les deux fichiers sont le même appel)",
}


#: The review's one line per call on the console (voicecoach review, review batch).
REVIEW_LINE = {
    "line": "{stem} : {duration} s, interruptions {interruptions}, acquiescements "
    "{backchannels}, chevauchement {overlap}, conseils {nudges}",
    "na": "n.d.",
    "seconds": "{v} s",
    "bypassed": "annuleur d'écho contourné (client silencieux)",
    "no_echo": "pas d'écho (casque)",
    "detecting": "annuleur d'écho encore en détection",
    "converging": "annuleur d'écho en adaptation",
    "converged": "écho annulé",
    "diverged": "annulation d'écho en échec",
    "unknown": "écho : {state}",
    "found": "écho trouvé",
    "found_delay": "écho trouvé ({ms} ms)",
    "not_found": "pas d'écho trouvé",
    "bypassed_at_end": "{found}, annuleur contourné à la fin (client silencieux)",
    "no_canceller": "sans annulation d'écho",
    "whatif": "{name} : {n} conseils (avant : {before})",
    "colon": " : ",
    "reviewed": "{n} appel(s) revu(s) dans {out}",
    "reused": " ({n} réévalué(s) à partir des pistes en cache)",
    "failed": "{n} en échec",
}


#: `voicecoach setup`, la première installation guidée (voicecoach.setup_wizard) : questions,
#: vumètres, verdicts, lignes d'étape. Les touches tapées par l'agent (Entrée, r, c, d, a, s,
#: o/n) sont les mêmes dans toutes les langues.
SETUP = {
    "intro": "voicecoach setup : micro, son de l'appel, profil calme, puis conseils en direct.",
    "saved_in": "Vos choix sont enregistrés dans {path}.",
    "colon": " : ",
    "quoted": "« {text} »",
    "enter": "Entrée",
    "answered": "{prompt} : {answer} (--yes)",
    "not_an_answer": "« {answer} » n'est pas une réponse possible ici : répondez par l'une de ces "
    "touches : {shown}.",
    "yes_no_yes": " (O/n)",
    "yes_no_no": " (o/N)",
    "not_yes_no": "« {answer} » n'est pas une réponse possible ici : tapez o (oui) ou n (non).",
    # étapes 1 et 2 : appareils et niveaux
    "devices_done": "Étapes 1-2 (appareils, niveaux) : faites, le micro « {mic} » et le son de "
    "l'appel « {far} » sont configurés et présents (--redo devices pour les choisir à nouveau).",
    "step_devices": "Étape 1 (appareils) : quelle entrée est votre micro, laquelle le son de "
    "l'appel ?",
    "step_levels": "Étape 2 (niveaux) : parlez dans votre micro et faites entendre le client "
    "(ou n'importe quel son de cet ordinateur).",
    "cannot_open": "Impossible d'ouvrir ces appareils : {error}",
    "keeping_devices": "(--yes : ces appareils sont gardés malgré tout)",
    "keep_check_choose": "Entrée : garder ces appareils, c : vérifier à nouveau, d : choisir "
    "d'autres appareils",
    "retry_choose": "c : réessayer, d : choisir d'autres appareils",
    "saved_devices": "Micro « {mic} » et son de l'appel « {far} » enregistrés dans {path}.",
    "mic_given": "Micro : {device} (--mic)",
    "mics": "Micros (votre voix) :",
    "suggested": "  <- suggéré",
    "mic_number": "Numéro du micro",
    "far_given": "Son de l'appel : {device} (--far)",
    "fars": "Sources du son de l'appel (ce que joue l'ordinateur : le client) :",
    "other_inputs": "   autres entrées :",
    "far_number": "Numéro du son de l'appel",
    "no_monitor": "Aucune entrée ne ressemble à la sortie de l'ordinateur (un « monitor » ou "
    "un « loopback »). Sous Linux, nommez le monitor PulseAudio dans ~/.asoundrc, par exemple\n"
    '    pcm.call_audio { type pulse device "<sink name>.monitor" '
    'hint { show on description "call audio" } }\n'
    "(`pactl list short sources` donne les noms), puis tapez r pour relancer la recherche. "
    "Sous Windows, utilisez « Stereo Mix » ou un câble virtuel ; sous macOS, un appareil "
    "virtuel comme BlackHole.",
    "device_prompt": "{prompt} (ou une partie de son nom ; r : relancer la recherche)",
    "no_number": "Il n'y a pas de numéro {n} ici : tapez un numéro de 1 à {count}.",
    "no_device": "Cette réponse ne désigne pas une entrée et une seule ({error}).",
    "type_number": "Tapez un numéro de 1 à {count}, ou une partie d'un nom de la liste.",
    "already_mic": "« {name} » est déjà le micro : choisissez une autre entrée.",
    "listening": "Écoute des deux entrées pendant {s:g} s",
    "enter_stops": " (Entrée pour arrêter)…",
    "dots": "…",
    "meters": "  micro {mic_bar} {mic_db}   client {far_bar} {far_db}   {left:2.0f} s",
    "yes": "oui",
    "no": "non",
    "level": "(au plus fort {db}, {heard:.1f} s au-dessus de {threshold:g} dB)",
    "mic_heard": "micro entendu : {answer} {level}",
    "far_heard": "client entendu : {answer} {level}",
    "mic_hint": " {dash} dites quelques mots, vérifiez que le micro n'est pas coupé, ou "
    "choisissez-en un autre",
    "far_hint": " {dash} faites jouer quelque chose dans l'appel (ou n'importe quel son de cet "
    "ordinateur), ou choisissez une autre source pour le son de l'appel",
    "mic_clipped": "micro saturé : son niveau atteint le maximum ; baissez son volume ou son "
    "gain",
    "far_clipped": "son de l'appel saturé : son niveau atteint le maximum ; baissez son volume "
    "ou son gain",
    "mic_missing": "le micro n'a rien transmis pendant {missing:.1f} s sur {seconds:.1f} s "
    "(l'appareil s'est bloqué : occupé, débranché, ou serveur de son surchargé) ; vérifiez à "
    "nouveau, ou choisissez un autre appareil",
    "far_missing": "le son de l'appel n'a rien transmis pendant {missing:.1f} s sur "
    "{seconds:.1f} s (l'appareil s'est bloqué : occupé, débranché, ou serveur de son "
    "surchargé) ; vérifiez à nouveau, ou choisissez un autre appareil",
    # étape 3 : calibrage
    "calibration_done": "Étape 3 (calibrage) : faite, le profil « {profile} » est calibré "
    "(--redo calibration pour l'enregistrer à nouveau ou le compléter).",
    "step_calibration": "Étape 3 (calibrage) : {s:g} s de votre parole calme forment votre "
    "profil, la référence à laquelle vos appels sont comparés.",
    "kept_speech": "Le profil « {name} » repose sur {s:.0f} s de parole, conservée à côté de "
    "lui. ",
    "use_add_redo": "Entrée : l'utiliser, a : y ajouter de la parole calme, r : l'enregistrer "
    "à nouveau",
    "add_redo": "a : y ajouter de la parole calme, Entrée : l'enregistrer à nouveau",
    "using_stored": "Le profil « {name} » déjà enregistré est utilisé.",
    "exists_again": "Le profil « {name} » existe déjà. L'enregistrer à nouveau ?",
    "start_or_skip": "Entrée : commencer l'enregistrement, s : sauter cette étape (voicecoach "
    "live prendra alors votre référence sur les 30 premières secondes de parole de l'appel)",
    "skipped": "Calibrage sauté ; relancez voicecoach setup pour le faire.",
    "record_again": "Enregistrer à nouveau ?",
    "not_done": "Calibrage non fait ; relancez voicecoach setup pour le faire.",
    "saved_profile": "Profil « {name} » enregistré dans {path}",
    "grown": ", porté à {s:.0f} s de parole.",
    "full_stop": ".",
    "kept_audio": "Parole de calibrage conservée dans {path} (lisible par vous seul) : "
    "lancez `voicecoach setup --redo calibration` un autre jour pour la compléter ; "
    "`voicecoach profile delete {name}` supprime les deux.",
    "profile_name": "Nom du profil",
    "profile_name_help": "Nom du profil (lettres, chiffres, « _ », « - », « . »)",
    "bad_name": "Ce nom ne convient pas ({error}).",
    "recording": "Enregistrement de {s:g} s : parlez calmement, comme en appel (lisez un "
    "texte à voix haute, ou racontez votre journée)…",
    "rec": "  {mark} enr. {bar} {db}   encore {left:2d} s",
    "mic_stalled": "Le micro n'a rien transmis pendant {s:.1f} s de l'enregistrement (bloqué : "
    "occupé, débranché, ou serveur de son surchargé).",
    "cannot_use": "L'enregistrement est inutilisable : {why}",
    "calibration_said": "  (message du calibrage : {error})",
    "refused_silent": "presque rien n'a été entendu dans le micro. Vérifiez que c'est le bon, "
    "qu'il n'est pas coupé, et parlez près de lui.",
    "refused_clipped": "votre voix était trop forte pour le micro : le son a saturé. Baissez "
    "le gain du micro ou éloignez-le un peu.",
    "refused_little": "il y avait trop peu de parole. Parlez pendant tout l'enregistrement, "
    "d'une voix calme, avec seulement de courtes pauses.",
    "refused": "le calibrage l'a refusé.",
    "weak": "L'enregistrement est utilisable, mais certains conseils resteraient muets pendant "
    "les appels :",
    "weak_line": "{rule} : {why}",
    "keeping_it": "(--yes : enregistrement gardé)",
    # étape 4 : sauvegarde, puis le direct
    "lang": "Langue des conseils",
    "lang_prompt": "Langue des conseils (fr ou en)",
    "bad_lang": "« {answer} » n'est pas une langue de voicecoach : tapez fr ou en.",
    "switched": "La suite de l'installation est en français.",
    "no_profile": "(aucun : appris pendant l'appel)",
    "saved_all": "Étape 4 (sauvegarde) : micro « {mic} », son de l'appel « {far} », profil "
    "« {profile} », langue « {lang} » enregistrés dans {path}.",
    "setup_done": "Installation terminée. Pour lancer les conseils en direct : voicecoach live",
    "starting": "Lancement : voicecoach {argv}",
}


#: Le résumé d'un profil (voicecoach.profiles.format_profile : `voicecoach profile show`, et
#: l'installation guidée après un calibrage). Intitulés alignés sur une colonne.
PROFILE = {
    "provisional": "provisoire (tiré d'un appel)",
    "calibrated": "calibré",
    "unnamed": "(sans nom)",
    "na": "n. d.",
    "profile": "profil       {name} — {kind}",
    "f0": "F0 médiane   {hz} Hz ({st} dt au-dessus de 55 Hz)",
    "range": "plage de F0  {p10} – {p90} dt (p10–p90, dispersion {spread} dt)",
    "articulation": "articulation {rate} syllabes/s de parole (dispersion {spread})",
    "syllables": "syllabes     {rate} syllabes/s (dispersion {spread})",
    "loudness": "volume       {db} dBFS (niveau de parole, moyenne en puissance)",
    "measures": "mesures      hauteur {pitch} dt (calme +{pitch_calm}, dérive {pitch_drift}, "
    "{pitch_s} s) ; débit {rate} syl/s (calme +{rate_calm} %, dérive {rate_drift} %, "
    "{rate_s} s) ; volume {loud} dBFS (calme +{loud_calm}, dérive {loud_drift}, {loud_s} s)",
    "measured": "mesuré sur   {speech} s de parole, dont {voiced} s voisées",
    "source": "source       {source}",
    "band": "enregistré à {khz} kHz (son {band} : à utiliser sur des appels du même type)",
    "band_lines": "enregistré à {khz} kHz (son {band})",
    "telephone": "ligne tél.   hauteur {pitch} dt, débit {rate} syl/s, volume {loud} dBFS (les "
    "références d'un appel à 8 kHz si [baseline] telephone_references est activé)",
    "created": "créé le      {created}",
    "voice": "voix         modèle à {n} gaussiennes (reconnaît l'agent dans les appels mono)",
    "no_voice": "voix         aucun modèle (calibrez à nouveau pour en enregistrer un : appels "
    "mono, canaux inversés)",
    # les commandes calibrate et profile de la ligne de commande
    "recording": "Enregistrement de {s:.0f} s de parole calme depuis « {mic} »… parlez "
    "maintenant.",
    "saved": "profil « {name} » enregistré dans {path}",
    "removed": "{file} supprimé : la parole de calibrage gardée pour le profil que celui-ci "
    "remplace (--keep-audio garde la nouvelle)",
    "kept": "ses {s:.0f} s de parole de calibrage sont gardées dans {path} (lisibles par vous "
    "seul) : `--add` complète le profil avec plus de parole calme, `voicecoach profile "
    "delete {name}` supprime les deux",
    "verdicts_ok": "verdicts     les conseils de hauteur, de débit et de volume peuvent juger "
    "avec ce profil",
    "verdict_silent": "verdicts     {rule} reste muet avec ce profil : {why}",
    "kept_audio": "  parole gardée {path} (`voicecoach calibrate --profile {name} --add ...` "
    "complète le profil à partir d'elle)",
    "deleted": "supprimé : {path}{more}",
    "and_file": " et {file}",
    "no_profiles": "aucun profil dans {dir}",
}
