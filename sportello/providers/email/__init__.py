"""The email channel.

In: ``imap`` (a Huey job polls each mailbox every minute) and ``lmtp`` (the local mail server
delivers to Sportello) both hand raw bytes to ``receive.receive_email``, which parses them
(``parsing``), turns them into an InboundMessage (``adapter``) or a PEC receipt event
(``receipts``) and ingests them. Out: ``send.send_email`` is the email sender of
``sportello.outbound``. ``config`` validates a channel's settings; ``storage`` keeps
attachment files. ``apps`` registers all this as the ``email`` channel kind.
"""
