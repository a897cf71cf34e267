"""Dramatiq actors of every context. ``dramatiq workers`` imports this package.

The broker comes first; then one module per context registers its actors.
"""

from workers import broker as broker
from workers import catalog as catalog
from workers import commerce as commerce
from workers import discovery as discovery
from workers import gamification as gamification
from workers import identity as identity
from workers import interaction as interaction
from workers import mail as mail
from workers import marketing as marketing
from workers import ranking as ranking
from workers import system as system
