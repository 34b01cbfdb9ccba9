"""DP holders: the person with a direct payment, their council, representatives and personal budget."""
