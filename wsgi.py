from praktijktest import create_app

app = create_app()
