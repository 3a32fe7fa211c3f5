"""What the benches drop into an Asterisk-style spool: app_voicemail's msgNNNN.txt, filled per message."""

SIDECAR = """;
; Message Information file
;
[message]
origmailbox=1001
context=default
macrocontext=
exten=1001
rdnis=unknown
priority=2
callerchan=PJSIP/trunk-0000001a
callerid="Bench Caller" <+1312555{n:04d}>
origdate=Tue Sep 22 05:24:47 AM UTC 2026
origtime={t}
category=
msg_id={t}-{n:08x}
flag=
duration={duration}
"""


def sidecar(n, t, duration=3):
    return SIDECAR.format(n=n, t=t, duration=duration)
