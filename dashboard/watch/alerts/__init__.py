"""Alerts: the transitions worth telling (``events``), the rules that say who is told
(``rules``), the channels through Apprise (``channels``), the words (``messages``) and the
deliveries, each tried until delivered (``deliver``)."""
