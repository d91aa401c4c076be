"""facility"""
