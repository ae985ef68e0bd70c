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
        "après » : le temps mis pour repasser sous le seuil.",
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
    "two_voices": "fichier mono avec deux voix détectées : {how} ; {overlap}",
    "overlap": "chevauchements non mesurables en mono : chaque passage de parole va à un seul "
    "interlocuteur, donc chevauchements, interruptions et chevauchements de fin de tour ne "
    "sont pas mesurés",
    "interruptions": "interruptions estimées sur un seul canal (là où l'attribution passe "
    "d'une voix à l'autre avec des indices de chevauchement ; chaque événement a un indice de "
    "confiance ; prudent : beaucoup d'interruptions sont manquées) ; chevauchements et "
    "chevauchements de fin de tour ne sont pas mesurés",
    "swapped": "le profil correspond mieux au canal {other} qu'au canal de l'agent {agent} : "
    "les canaux sont peut-être inversés ; utilisez --agent-channel {other}",
    "cut_short": "la séance en direct a été interrompue : son session.json indique qu'elle ne "
    "s'est pas terminée normalement (arrêt forcé, plantage ou enregistrement en cours) ; "
    "l'enregistrement s'arrête là où elle a été coupée et la séance n'a pas écrit son propre "
    "rapport",
    "mono_agent_channel": "le fichier est mono : --agent-channel 1 ne s'applique pas ; son "
    "unique canal est analysé comme l'agent (mesures de conversation indisponibles)",
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
}
