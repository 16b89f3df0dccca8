from django.dispatch import Signal

# Sent with `member` (a NetworkMember invited by e-mail), inside the invitation's
# transaction: the delivery pipeline queues the e-mail, sent by a worker after the commit.
member_invited = Signal()
