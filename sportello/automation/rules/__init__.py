"""Rules: when an event happens to a conversation and the conditions hold, do the
actions. ``schema`` checks what a rule may say, ``conditions`` reads a conversation
against it, ``effects`` does its actions through the owning apps' actions, ``engine``
runs the rules of an event with the loop guard; ``actions`` and ``queries`` are the
writers and the read side of the rules themselves."""
