"""Conversations: one thread per care request (continuing into its agreement) between the holder's
side and the provider, seen only by them and the council's brokers."""
