from django.urls import path

from reviews import public_views, scorecard_views, views, views_notifications

app_name = "reviews"

urlpatterns = [
    path("", public_views.site_home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("queue/next/", views.claim_next, name="claim-next"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("articles/<int:pk>/scorecard/", scorecard_views.scorecard, name="scorecard"),
    path("tasks/<int:pk>/heartbeat/", views.task_lease_heartbeat, name="task-heartbeat"),
    path("verdicts/", public_views.verdict_list, name="verdict-list"),
    path("verdicts/<int:pk>/", public_views.verdict_public, name="verdict-public"),
    path("preferences/", views_notifications.notification_preferences, name="notification-preferences"),
    path("unsubscribe/<str:token>/", views_notifications.unsubscribe, name="unsubscribe"),
    path("favicon.ico", public_views.favicon, name="favicon"),
]
